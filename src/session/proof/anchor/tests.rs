use super::*;
use proptest::prelude::*;

fn parsed(text: &str) -> Anchor {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn every_documented_form_parses_and_prints_back() {
    let cases = [
        ("syslog", "syslog"),
        ("syslog:/run/alt.sock", "syslog:/run/alt.sock"),
        ("syslog://logs.example", "syslog://logs.example:514"),
        ("syslog+udp://10.0.0.7:5514", "syslog://10.0.0.7:5514"),
        ("syslog+tcp://[::1]:601", "syslog+tcp://[::1]:601"),
        (
            "file:/var/lib/runbook/anchors.log",
            "file:/var/lib/runbook/anchors.log",
        ),
        ("ssh://vault/srv/anchors.log", "ssh://vault/srv/anchors.log"),
        (
            "ssh://ops@vault:2222/~/anchors.log",
            "ssh://ops@vault:2222/~/anchors.log",
        ),
    ];
    for (text, shown) in cases {
        assert_eq!(parsed(text).to_string(), shown, "{text}");
    }
    assert_eq!(
        parsed("ssh://ops@vault:2222/~/a.log"),
        Anchor::Ssh {
            destination: "ops@vault".into(),
            port: Some(2222),
            path: "a.log".into(),
            ssh: crate::fleet::SshSettings::default(),
        }
    );
    assert_eq!(
        parsed("syslog+tcp://h"),
        Anchor::Syslog {
            host: "h".into(),
            port: 514,
            tcp: true
        }
    );
}

#[test]
fn bad_sinks_say_what_is_wrong() {
    for (text, says) in [
        ("syslog://", "not a host"),
        ("syslog://h:0", "port"),
        ("syslog://h:99999", "port"),
        ("syslog://-oProxy", "not a host"),
        ("file:", "no path"),
        ("ssh://vault", "no path"),
        ("ssh://vault/", "must name a file"),
        ("ssh://-oProxyCommand=x/p", "not a host"),
        ("ssh://a;b@vault/p", "not a user"),
        ("https://x", "use syslog"),
    ] {
        let error = text.parse::<Anchor>().expect_err(text);
        assert!(error.contains(says), "{text}: {error}");
    }
}

#[test]
fn syslog_messages_follow_their_rfcs() {
    let stamp = Stamp {
        head: "runbook-audit v1 s-1 4 abc",
        host: "bastion 1",
        ts: chrono::DateTime::parse_from_rfc3339("2026-11-22T09:41:03.120Z")
            .expect("ts")
            .to_utc(),
    };
    let message = syslog::rfc5424_message(&stamp);
    let pid = std::process::id();
    assert_eq!(
        message,
        format!(
            "<13>1 2026-11-22T09:41:03.120Z bastion1 runbook {pid} anchor - runbook-audit v1 s-1 4 abc"
        )
    );
    let framed = syslog::octet_counted(&message);
    assert_eq!(framed, format!("{} {message}", message.len()).into_bytes());
    let bsd = syslog::bsd_message(&stamp);
    assert!(bsd.starts_with("<13>Nov 22 "), "{bsd}");
    assert!(
        bsd.ends_with(&format!(" runbook[{pid}]: runbook-audit v1 s-1 4 abc")),
        "{bsd}"
    );
    assert_eq!(
        anchor_line(&stamp),
        "2026-11-22T09:41:03.120Z bastion 1 runbook-audit v1 s-1 4 abc"
    );
}

proptest! {
    #[test]
    fn any_text_parses_or_is_refused_without_a_panic(text in "\\PC{0,40}") {
        let _ = text.parse::<Anchor>();
    }

    #[test]
    fn parsed_sinks_print_as_text_that_parses_to_them(
        host in "[a-z][a-z0-9.-]{0,12}",
        port in 1u16..,
        tcp in any::<bool>(),
        path in "/[a-z0-9_./-]{1,20}[a-z]",
    ) {
        for anchor in [
            Anchor::Syslog { host: host.clone(), port, tcp },
            Anchor::File(path.clone().into()),
            Anchor::Ssh { destination: host.clone(), port: Some(port), path: path.clone(), ssh: Default::default() },
        ] {
            prop_assert_eq!(anchor.to_string().parse::<Anchor>(), Ok(anchor));
        }
    }
}
