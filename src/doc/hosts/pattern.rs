//! Host patterns as runbooks and Ansible inventories write them: `web[01:20].prod`
//! (ranges, zero-padded when the first bound is; letters `[a:f]`; a step `[1:9:2]`;
//! several ranges multiply) and destinations `[user@]host[:port]` (`user@[::1]:2222`).

use super::HostEntry;

/// Most hosts one pattern may stand for: a typo like `[1:999999]` is an error, not a hang.
pub const MAX_EXPANSION: usize = 10_000;

/// What a range pattern expands to, in order.
pub fn expand(pattern: &str) -> Result<Vec<String>, String> {
    let mut names = vec![String::new()];
    let mut rest = pattern;
    while let Some(open) = rest.find('[') {
        let close = rest[open..]
            .find(']')
            .map(|n| open + n)
            .ok_or_else(|| format!("`{pattern}` opens a range with `[` and never closes it"))?;
        let values = range(&rest[open + 1..close], pattern)?;
        let literal = &rest[..open];
        if names.len().saturating_mul(values.len()) > MAX_EXPANSION {
            return Err(format!(
                "`{pattern}` stands for more than {MAX_EXPANSION} hosts"
            ));
        }
        names = names
            .iter()
            .flat_map(|prefix| values.iter().map(move |v| format!("{prefix}{literal}{v}")))
            .collect();
        rest = &rest[close + 1..];
    }
    if rest.contains(']') {
        return Err(format!("`{pattern}` closes a range it never opened"));
    }
    for name in &mut names {
        name.push_str(rest);
    }
    Ok(names)
}

/// The values of one `start:end[:step]` range.
fn range(spec: &str, pattern: &str) -> Result<Vec<String>, String> {
    let bad =
        || format!("`[{spec}]` in `{pattern}` is not a range like `[01:20]`, `[a:f]` or `[1:9:2]`");
    let parts: Vec<&str> = spec.split(':').collect();
    let (start, end, step) = match parts.as_slice() {
        [start, end] => (*start, *end, 1),
        [start, end, step] => (*start, *end, step.parse::<usize>().map_err(|_| bad())?),
        _ => return Err(bad()),
    };
    if step == 0 {
        return Err(format!("the step of `[{spec}]` in `{pattern}` is zero"));
    }
    let backwards = || format!("`[{spec}]` in `{pattern}` counts backwards");
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if numeric(start) && numeric(end) {
        let first: u64 = start.parse().map_err(|_| bad())?;
        let last: u64 = end.parse().map_err(|_| bad())?;
        if first > last {
            return Err(backwards());
        }
        if (last - first) / step as u64 >= MAX_EXPANSION as u64 {
            return Err(format!(
                "`{pattern}` stands for more than {MAX_EXPANSION} hosts"
            ));
        }
        let width = if start.len() > 1 && start.starts_with('0') {
            start.len()
        } else {
            0
        };
        return Ok((first..=last)
            .step_by(step)
            .map(|n| format!("{n:0width$}"))
            .collect());
    }
    let letter = |s: &str| {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_alphabetic() => Some(c),
            _ => None,
        }
    };
    match (letter(start), letter(end)) {
        (Some(a), Some(b)) if a.is_ascii_lowercase() == b.is_ascii_lowercase() => {
            if a > b {
                return Err(backwards());
            }
            Ok((a..=b).step_by(step).map(String::from).collect())
        }
        _ => Err(bad()),
    }
}

/// The hosts `[user@]host[:port]` stands for, the host part expanded.
pub fn entries(written: &str) -> Result<Vec<HostEntry>, String> {
    let written = written.trim();
    let (user, target) = match written.split_once('@') {
        Some((user, target)) => (Some(user), target),
        None => (None, written),
    };
    if let Some(user) = user {
        check_user(user)?;
    }
    let (host, port) = split_port(target, written)?;
    let v6 = host.len() > 2
        && host.starts_with('[')
        && host.ends_with(']')
        && !is_range(&host[1..host.len() - 1]);
    let addresses = if v6 {
        vec![
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
        ]
    } else {
        expand(host)?
    };
    addresses
        .into_iter()
        .map(|address| {
            check_address(&address, v6)?;
            let shown = if v6 && port.is_some() {
                format!("[{address}]")
            } else {
                address.clone()
            };
            let name = format!(
                "{}{shown}{}",
                user.map(|u| format!("{u}@")).unwrap_or_default(),
                port.map(|p| format!(":{p}")).unwrap_or_default()
            );
            Ok(HostEntry {
                name,
                address,
                user: user.map(str::to_string),
                port,
            })
        })
        .collect()
}

/// `host` and its port: the `:` after the host, outside any brackets. A bracket that
/// opens the host and holds no range is an IPv6 literal (`[::1]:22`).
fn split_port<'a>(target: &'a str, written: &str) -> Result<(&'a str, Option<u16>), String> {
    if target.is_empty() {
        return Err(format!("`{written}` names no host"));
    }
    let literal_end = target
        .strip_prefix('[')
        .and_then(|inner| inner.find(']'))
        .filter(|&close| !is_range(&target[1..=close]))
        .map(|close| close + 2);
    let (host, port) = match literal_end {
        Some(end) => match &target[end..] {
            "" => (&target[..end], None),
            after => match after.strip_prefix(':') {
                Some(port) => (&target[..end], Some(port)),
                None => {
                    return Err(format!(
                        "`{written}`: an IPv6 address is written `[::1]:22`"
                    ));
                }
            },
        },
        None => match colon_outside_brackets(target) {
            Some(i) => (&target[..i], Some(&target[i + 1..])),
            None => (target, None),
        },
    };
    let port = port
        .map(|p| {
            p.parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("the port in `{written}` is not a number from 1 to 65535"))
        })
        .transpose()?;
    Ok((host, port))
}

fn colon_outside_brackets(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut colon = None;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => colon = Some(i),
            _ => {}
        }
    }
    colon
}

fn is_range(spec: &str) -> bool {
    let parts: Vec<&str> = spec.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && (p.bytes().all(|b| b.is_ascii_digit()) || p.len() == 1))
}

fn check_user(user: &str) -> Result<(), String> {
    let fine = !user.is_empty()
        && !user.starts_with('-')
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if fine {
        Ok(())
    } else {
        Err(format!(
            "`{user}` is not a user name (letters, digits, `.`, `-`, `_`)"
        ))
    }
}

fn check_address(address: &str, v6: bool) -> Result<(), String> {
    let fine = if v6 {
        address.contains(':')
            && address
                .chars()
                .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.' | '%'))
    } else {
        !address.is_empty()
            && address.len() <= 253
            && !address.starts_with('-')
            && address
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    if fine {
        Ok(())
    } else {
        Err(format!(
            "`{address}` is not a host name, ssh alias or address"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn names(pattern: &str) -> Vec<String> {
        expand(pattern).expect("valid pattern")
    }

    #[test]
    fn ranges_expand_in_order_and_keep_zero_padding() {
        assert_eq!(
            names("web[01:03].prod"),
            ["web01.prod", "web02.prod", "web03.prod"]
        );
        assert_eq!(names("db[8:10]"), ["db8", "db9", "db10"]);
        assert_eq!(names("n[001:002]"), ["n001", "n002"]);
        assert_eq!(names("x[1:9:4]"), ["x1", "x5", "x9"]);
        assert_eq!(names("db-[a:c]"), ["db-a", "db-b", "db-c"]);
        assert_eq!(names("r[1:2]n[a:b]"), ["r1na", "r1nb", "r2na", "r2nb"]);
        assert_eq!(names("plain"), ["plain"]);
    }

    #[test]
    fn broken_ranges_say_what_is_wrong() {
        let error = |p: &str| expand(p).expect_err(p);
        assert!(error("web[01:20").contains("never closes"));
        assert!(error("web01]").contains("never opened"));
        assert!(error("web[20:01]").contains("backwards"));
        assert!(error("web[1:2:0]").contains("step"));
        assert!(error("web[a:9]").contains("not a range"));
        assert!(error("web[1:1000000]").contains("more than 10000"));
        assert!(error("a[1:200]b[1:200]").contains("more than 10000"));
    }

    #[test]
    fn destinations_carry_user_and_port() {
        let all = entries("deploy@web[1:2]:2222").expect("valid");
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].name, "deploy@web2:2222");
        assert_eq!(all[1].address, "web2");
        assert_eq!(all[1].user.as_deref(), Some("deploy"));
        assert_eq!(all[1].port, Some(2222));
        let v6 = entries("ops@[::1]:22").expect("v6");
        assert_eq!((v6[0].address.as_str(), v6[0].port), ("::1", Some(22)));
        assert_eq!(v6[0].name, "ops@[::1]:22");
        let bare_v6 = entries("[fe80::1]").expect("bare v6");
        assert_eq!(bare_v6[0].address, "fe80::1");
        assert_eq!(
            entries("web01").expect("plain")[0],
            HostEntry::plain("web01")
        );
    }

    #[test]
    fn bad_destinations_are_refused() {
        for (written, why) in [
            ("web:0", "port"),
            ("web:http", "port"),
            ("-oProxyCommand=x", "not a host"),
            ("a;b", "not a host"),
            ("bad user@web", "not a user"),
            ("@web", "not a user"),
            ("ops@", "no host"),
        ] {
            let error = entries(written).expect_err(written);
            assert!(error.contains(why), "{written}: {error}");
        }
    }

    proptest! {
        #[test]
        fn numeric_ranges_have_as_many_hosts_as_they_say(a in 0u32..500, len in 0u32..50, pad in 1usize..5) {
            let b = a + len;
            let pattern = format!("h[{a:0pad$}:{b}]");
            let hosts = expand(&pattern).expect("valid");
            prop_assert_eq!(hosts.len(), (len + 1) as usize);
            prop_assert_eq!(hosts[0].trim_start_matches('h').parse::<u32>().ok(), Some(a));
            let padded = pad > 1 && format!("{a:0pad$}").starts_with('0');
            if padded {
                prop_assert!(hosts.iter().all(|h| h.len() > pad));
            }
        }

        #[test]
        fn any_text_expands_or_errs_without_panicking(text in "[a-z0-9\\[\\]:@.-]{0,30}") {
            let _ = expand(&text);
            let _ = entries(&text);
        }
    }
}
