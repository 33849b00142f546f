//! Fence info strings: ```` ```bash {name=deploy timeout=10m confirm=danger} ````.

/// One `key=value` attribute with its byte offset inside the info string.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    pub key: String,
    pub value: String,
    pub offset: usize,
    pub len: usize,
}

/// A malformed info string, with the offset of the problem inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
    pub expected: String,
}

/// The fence language (lower-cased) and its attributes.
pub fn parse_info(info: &str) -> Result<(String, Vec<Attr>), AttrError> {
    let lang_end = info
        .find(|c: char| c.is_whitespace() || c == '{')
        .unwrap_or(info.len());
    let lang = info[..lang_end].to_lowercase();
    let rest = &info[lang_end..];
    let Some(open) = rest.find('{') else {
        return Ok((lang, Vec::new()));
    };
    let body_start = lang_end + open + 1;
    let Some(close) = info[body_start..].find('}') else {
        return Err(AttrError {
            offset: lang_end + open,
            len: 1,
            message: "the attribute list is not closed".into(),
            expected: "attributes written as `{key=value key=value}`".into(),
        });
    };
    let after = body_start + close + 1;
    if !info[after..].trim().is_empty() {
        return Err(AttrError {
            offset: after,
            len: info.len() - after,
            message: "text after the attribute list".into(),
            expected: "nothing after the closing `}`".into(),
        });
    }
    let attrs = parse_body(&info[body_start..body_start + close], body_start)?;
    Ok((lang, attrs))
}

/// Attributes in order; a key given twice is an error (which one would win is not obvious).
fn parse_body(body: &str, base: usize) -> Result<Vec<Attr>, AttrError> {
    let mut attrs: Vec<Attr> = Vec::new();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() || bytes[i] == b',' {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !matches!(bytes[i], b'=' | b',') && !bytes[i].is_ascii_whitespace()
        {
            i += 1;
        }
        let key = body[start..i].to_string();
        if !seen.insert(&body[start..i]) {
            return Err(AttrError {
                offset: base + start,
                len: key.len(),
                message: format!("the attribute `{key}` is given twice"),
                expected: "each attribute once".into(),
            });
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            attrs.push(Attr {
                value: "true".into(),
                offset: base + start,
                len: key.len(),
                key,
            });
            continue;
        }
        i += 1;
        let list = crate::doc::hosts::LIST_OPTIONS.contains(&key.as_str());
        let (value, end) = parse_value(body, i, base, list)?;
        attrs.push(Attr {
            key,
            value,
            offset: base + start,
            len: end - start,
        });
        i = end;
    }
    Ok(attrs)
}

/// A `"quoted"` or bare value; a bare value ends at a blank or a comma, unless `list`
/// (`on=web,db`), where commas are part of it.
fn parse_value(
    body: &str,
    start: usize,
    base: usize,
    list: bool,
) -> Result<(String, usize), AttrError> {
    let bytes = body.as_bytes();
    match bytes.get(start) {
        Some(&quote @ (b'"' | b'\'')) => match body[start + 1..].find(quote as char) {
            Some(len) => Ok((
                body[start + 1..start + 1 + len].to_string(),
                start + len + 2,
            )),
            None => Err(AttrError {
                offset: base + start,
                len: body.len() - start,
                message: "a quoted value is not closed".into(),
                expected: format!("a closing {}", quote as char),
            }),
        },
        _ => {
            let end = body[start..]
                .find(|c: char| c.is_whitespace() || (c == ',' && !list))
                .map_or(body.len(), |n| start + n);
            Ok((body[start..end].to_string(), end))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_and_attributes() {
        let (lang, attrs) =
            parse_info("Bash {name=deploy-trading timeout=10m confirm=danger cwd=./deploy}")
                .expect("valid");
        assert_eq!(lang, "bash");
        let pairs: Vec<(&str, &str)> = attrs
            .iter()
            .map(|a| (a.key.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("name", "deploy-trading"),
                ("timeout", "10m"),
                ("confirm", "danger"),
                ("cwd", "./deploy")
            ]
        );
        assert_eq!(attrs[1].offset, "Bash {name=deploy-trading ".len());
    }

    #[test]
    fn quoted_values_commas_and_bare_flags() {
        let (_, attrs) = parse_info("sh {cwd=\"/srv/my app\", tty}").expect("valid");
        assert_eq!(attrs[0].value, "/srv/my app");
        assert_eq!(
            (attrs[1].key.as_str(), attrs[1].value.as_str()),
            ("tty", "true")
        );
    }

    #[test]
    fn list_options_keep_their_commas() {
        let (_, attrs) = parse_info("bash {on=web,db serial=1,25% tty,name=x}").expect("valid");
        let pairs: Vec<(&str, &str)> = attrs
            .iter()
            .map(|a| (a.key.as_str(), a.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("on", "web,db"),
                ("serial", "1,25%"),
                ("tty", "true"),
                ("name", "x")
            ]
        );
    }

    #[test]
    fn plain_languages_have_no_attributes() {
        assert_eq!(parse_info("yaml"), Ok(("yaml".into(), vec![])));
        assert_eq!(parse_info(""), Ok(("".into(), vec![])));
    }

    #[test]
    fn a_key_given_twice_is_an_error() {
        let e = parse_info("bash {confirm=danger name=x confirm=none}").expect_err("duplicate");
        assert_eq!(e.offset, "bash {confirm=danger name=x ".len());
        assert!(e.message.contains("`confirm` is given twice"));
    }

    #[test]
    fn malformed_lists_are_errors() {
        assert!(parse_info("bash {name=x").is_err());
        assert!(parse_info("bash {name=x} extra").is_err());
        assert!(parse_info("bash {cwd=\"open}").is_err());
    }
}
