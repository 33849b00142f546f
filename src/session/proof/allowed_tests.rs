use super::*;
use crate::session::proof::test_keys::{key, public_line};
use proptest::prelude::*;

fn when(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("time").to_utc()
}

fn data(n: u8) -> KeyData {
    key(n).public_key().key_data().clone()
}

const NS: &str = "runbook-audit";

#[test]
fn a_key_signs_only_as_its_principals_in_its_namespaces_and_time() {
    let text = format!(
        "# team keys\n\
         \n\
         ana@example.com {k1} ana's laptop\n\
         \"bo,*@ops.example\" namespaces=\"git,runbook-*\",valid-after=\"20260101\",valid-before=\"20270101000000Z\" {k2}\n\
         !mallory@ops.example,*@ops.example namespaces=\"git\" {k3}\n\
         ca@example.com cert-authority {k4}\n",
        k1 = public_line(1),
        k2 = public_line(2),
        k3 = public_line(3),
        k4 = public_line(4),
    );
    let allowed = AllowedSigners::parse(&text).expect("parses");
    let mid = when("2026-06-01T00:00:00Z");
    assert_eq!(allowed.judge("ana@example.com", &data(1), NS, mid), Ok(()));
    assert_eq!(
        allowed.judge("bo", &data(1), NS, mid),
        Err(Refusal::NotForPrincipal)
    );
    assert_eq!(
        allowed.judge("eve", &data(9), NS, mid),
        Err(Refusal::UnknownKey)
    );
    assert_eq!(allowed.judge("bo", &data(2), NS, mid), Ok(()));
    assert_eq!(allowed.judge("cy@ops.example", &data(2), NS, mid), Ok(()));
    assert_eq!(
        allowed.judge("bo", &data(2), NS, when("2027-01-01T00:00:01Z")),
        Err(Refusal::NotValidThen)
    );
    assert_eq!(
        allowed.judge("cy@ops.example", &data(3), NS, mid),
        Err(Refusal::Namespace)
    );
    assert_eq!(
        allowed.judge("mallory@ops.example", &data(3), "git", mid),
        Err(Refusal::NotForPrincipal)
    );
    assert_eq!(
        allowed.judge("ca@example.com", &data(4), NS, mid),
        Err(Refusal::UnknownKey),
        "a certificate authority's own key signs nothing here"
    );
}

#[test]
fn a_line_that_cannot_be_read_is_named() {
    for (text, says) in [
        ("ana\n", "line 1: no key"),
        (
            "# c\nana ssh-ed25519 !!!\n",
            "line 2: no key after the options",
        ),
        (
            &format!("ana frobnicate {}\n", public_line(1)),
            "line 1: unknown option",
        ),
        (
            &format!("ana valid-after=\"2026\" {}\n", public_line(1)),
            "is not YYYYMMDD",
        ),
    ] {
        let error = AllowedSigners::parse(text).expect_err(text);
        assert!(error.contains(says), "{text:?}: {error}");
    }
}

#[test]
fn globs_match_like_ssh_patterns() {
    for (pattern, text, expected) in [
        ("*", "", true),
        ("a*c", "abbbc", true),
        ("a*c", "abbbd", false),
        ("a?c", "abc", true),
        ("*@ops.example", "bo@ops.example", true),
        ("*@ops.example", "bo@ops.example.evil", false),
        ("**a", "bba", true),
    ] {
        assert_eq!(
            glob(pattern.as_bytes(), text.as_bytes()),
            expected,
            "{pattern} {text}"
        );
    }
}

proptest! {
    #[test]
    fn any_text_is_read_or_refused_without_a_panic(text in "\\PC{0,120}") {
        let _ = AllowedSigners::parse(&text);
    }

    #[test]
    fn a_star_pattern_matches_any_text_it_surrounds(prefix in "[a-z]{0,5}", middle in "[a-z@.]{0,8}", suffix in "[a-z]{0,5}") {
        let pattern = format!("{prefix}*{suffix}");
        let text = format!("{prefix}{middle}{suffix}");
        prop_assert!(glob(pattern.as_bytes(), text.as_bytes()));
    }
}
