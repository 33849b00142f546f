//! Secrets a step creates, known to the masker before the step prints them.
//!
//! A value such as `export DB_TOKEN=$(cat vault.txt); echo "connecting with $DB_TOKEN"`
//! exists only inside the step's shell. Two ways to mask it from its first byte: hold all
//! output until the step's environment is known (its end: no live output, which an
//! operator at 2 a.m. needs), or have the shell say so *before* the next command runs.
//! We do the second: a bash `DEBUG` trap looks at the command that just ran and, when it
//! may have set a secret-named or declared variable, writes `NAME=value\0` pairs to a file
//! in the step's private directory and then a marker (an APC escape sequence carrying this
//! step's random mark and the file's name) into the step's own stdout and stderr. The
//! readers ([`SecretFilter`]) take the marker out of the stream and hand the pairs on
//! *in stream order*, so every byte printed after the assignment is masked.
//!
//! The trap is set only where the script could set such a variable (it mentions a
//! secret-like name, a declared one, or sets variables by computed names), so most steps
//! run without it; `sh` (no `DEBUG` trap) and `interactive` steps rely on the capture at
//! the step's end. Variables set by programs the step runs (not its own shell) are not
//! seen before the step ends.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::parse_env;

/// Name fragments that make a variable worth watching (the masker decides what is secret).
const SECRET_WORDS: &[&str] = &["TOKEN", "SECRET", "PASSWORD", "KEY"];
/// Ways a script sets variables whose names its text does not spell out: a computed name
/// (`export "$k=$v"`, `export $(cat .env | xargs)`), `eval`, sourcing a file, `set -a`.
const DYNAMIC_SETTERS: &str = r#"(?m)(^|[;&|({\s])((export|declare|typeset|readonly)(\s+-\w+)*\s+["']?\$|eval\s|source\s|\.\s|set\s+-\w*a|allexport)"#;

/// How a marker starts: APC, then our tag. Terminals ignore APC sequences.
const MARKER_START: &[u8] = b"\x1b_runbook-secret:";
const MARKER_END: &[u8] = b"\x1b\\";
/// A marker longer than this is not ours: `\x1b_runbook-secret:<16 hex>:<file>\x1b\\`.
const MARKER_MAX: usize = 128;

/// Sourced (as part of the `-c` text) before the wrapper; `$1` is the private directory,
/// `$2` the `env` program. Every command in the trap is a builtin except `env`, which runs
/// only after `export`/`declare`/`typeset`/`readonly` with a computed name. Traces and
/// errors of the trap go to /dev/null, so `set -x` steps see only their own commands.
const PRELUDE: &str = r#"if [ -n "${BASH_VERSION-}" ] && [ -r "$1/watch" ]; then
{ IFS= read -r __runbook_mark; IFS= read -r __runbook_declared; } <"$1/watch"
__runbook_wdir=$1 __runbook_wenv=$2 __runbook_seen= __runbook_cmd= __runbook_prev= __runbook_n=0
exec {__runbook_o}>&1 {__runbook_e}>&2
__runbook_report() {
    printf '\033_runbook-secret:%s:%s\033\\' "$__runbook_mark" "$1" >&"$__runbook_o" || true
    printf '\033_runbook-secret:%s:%s\033\\' "$__runbook_mark" "$1" >&"$__runbook_e" || true
}
__runbook_watch() {
    local __rb_w __rb_n __rb_pairs=
    __rb_w="${__runbook_prev//[^A-Za-z0-9_]/ } $__runbook_declared"
    for __rb_n in $__rb_w; do
        case $__rb_n in [A-Za-z_]*) ;; *) continue ;; esac
        [[ -n ${!__rb_n-} ]] || continue
        [[ $__runbook_seen == *$'\x1f'"$__rb_n=${!__rb_n}"$'\x1f'* ]] && continue
        __runbook_seen+=$'\x1f'"$__rb_n=${!__rb_n}"$'\x1f'
        __rb_pairs+="$__rb_n=${!__rb_n}"$'\0'
    done
    [[ -n $__rb_pairs ]] || return 0
    __runbook_n=$((__runbook_n + 1))
    local __rb_f="pairs-$BASHPID-$__runbook_n"
    printf '%s' "$__rb_pairs" >"$__runbook_wdir/$__rb_f"
    __runbook_report "$__rb_f"
    return 0
}
__runbook_watch_env() {
    __runbook_n=$((__runbook_n + 1))
    local __rb_f="pairs-$BASHPID-$__runbook_n"
    "$__runbook_wenv" -0 >"$__runbook_wdir/$__rb_f" || return 0
    __runbook_report "$__rb_f"
    return 0
}
set -o functrace
trap '{ __runbook_prev=$__runbook_cmd __runbook_cmd=$BASH_COMMAND
case $__runbook_prev in
*[Tt][Oo][Kk][Ee][Nn]*|*[Ss][Ee][Cc][Rr][Ee][Tt]*|*[Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]*|*[Kk][Ee][Yy]*) __runbook_watch ;;
export\ *\$*|declare\ *\$*|typeset\ *\$*|readonly\ *\$*) __runbook_watch_env ;;
*) [[ -z $__runbook_declared ]] || __runbook_watch ;;
esac; } 2>/dev/null' DEBUG
fi
"#;

/// What the step's shell needs to report secrets early, when it is worth it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Watch {
    /// Random hex: markers without it are left in the output as they are.
    pub mark: String,
    /// Declared secret names (valid shell identifiers only).
    pub declared: Vec<String>,
}

impl Watch {
    /// A watch for `script` under bash, or `None` when its text cannot set a secret-named
    /// or declared variable by itself.
    pub fn for_script(script: &str, declared: &[String], bash: bool) -> Option<Watch> {
        if !bash {
            return None;
        }
        let declared: Vec<String> = declared
            .iter()
            .filter(|name| is_identifier(name))
            .cloned()
            .collect();
        let upper = script.to_ascii_uppercase();
        let worth = SECRET_WORDS.iter().any(|w| upper.contains(w))
            || declared.iter().any(|d| script.contains(d.as_str()))
            || dynamic_setter(script);
        worth.then(|| Watch {
            mark: random_mark(),
            declared,
        })
    }

    /// The file the prelude reads: the mark, then the declared names.
    pub fn file_text(&self) -> String {
        format!("{}\n{}\n", self.mark, self.declared.join(" "))
    }

    /// The shell text to run before the wrapper.
    pub fn prelude() -> &'static str {
        PRELUDE
    }
}

fn dynamic_setter(script: &str) -> bool {
    static SETTER: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    SETTER
        .get_or_init(|| regex::Regex::new(DYNAMIC_SETTERS).ok())
        .as_ref()
        // Should the pattern ever fail to build, watch rather than not.
        .is_none_or(|re| re.is_match(script))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn random_mark() -> String {
    let value = getrandom::u64().unwrap_or_else(|_| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        (nanos as u64) ^ u64::from(std::process::id())
    });
    format!("{value:016x}")
}

/// What a stream carries once markers are taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Bytes(Vec<u8>),
    /// A variable the shell reported, before the output that follows it.
    Variable {
        name: String,
        value: String,
    },
}

/// Reports read from disk whose second marker has not been seen yet. The shell points
/// at each report twice (once on stdout, once on stderr — both on the one stream of a
/// pseudo-terminal): the first reader to meet a marker reads the file and removes it at
/// once, so secret values do not stay on disk; the second takes the pairs from here.
pub(crate) type Shelf = Arc<Mutex<BTreeMap<String, Vec<Piece>>>>;

/// Takes this step's markers out of one output stream, in order.
#[derive(Debug)]
pub(crate) struct SecretFilter {
    mark: String,
    dir: PathBuf,
    held: Vec<u8>,
    shelf: Shelf,
}

impl SecretFilter {
    /// A filter for one stream; the step's streams share `shelf`.
    pub fn new(mark: &str, dir: &Path, shelf: Shelf) -> Self {
        SecretFilter {
            mark: mark.to_owned(),
            dir: dir.to_path_buf(),
            held: Vec::new(),
            shelf,
        }
    }

    /// The pieces of `chunk`; bytes that may begin a marker wait for the next chunk.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Piece> {
        let mut data = std::mem::take(&mut self.held);
        data.extend_from_slice(chunk);
        let mut pieces = Vec::new();
        let mut plain_from = 0;
        let mut at = 0;
        while let Some(found) = memchr::memchr(0x1b, &data[at..]) {
            let start = at + found;
            match self.marker_at(&data[start..]) {
                Marker::Partial => {
                    push_bytes(&mut pieces, &data[plain_from..start]);
                    self.held = data[start..].to_vec();
                    return pieces;
                }
                Marker::Complete { len, file } => {
                    push_bytes(&mut pieces, &data[plain_from..start]);
                    pieces.extend(self.read_pairs(&file));
                    at = start + len;
                    plain_from = at;
                }
                Marker::Not => at = start + 1,
            }
        }
        push_bytes(&mut pieces, &data[plain_from..]);
        pieces
    }

    /// Whatever was held back, as output (the stream ended).
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.held)
    }

    fn marker_at(&self, bytes: &[u8]) -> Marker {
        let head = bytes.len().min(MARKER_START.len());
        if bytes[..head] != MARKER_START[..head] {
            return Marker::Not;
        }
        let window = &bytes[..bytes.len().min(MARKER_MAX)];
        let Some(end) = find(window, MARKER_END) else {
            return if bytes.len() < MARKER_MAX {
                Marker::Partial
            } else {
                Marker::Not
            };
        };
        let body = String::from_utf8_lossy(&window[MARKER_START.len().min(end)..end]);
        match body.split_once(':') {
            Some((mark, file)) if mark == self.mark && is_pairs_file(file) => Marker::Complete {
                len: end + MARKER_END.len(),
                file: file.to_owned(),
            },
            _ => Marker::Not,
        }
    }

    /// The pairs a marker points at: from the file the first time (which is then
    /// removed), from the shelf the second.
    fn read_pairs(&self, file: &str) -> Vec<Piece> {
        let mut shelf = self.shelf.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(pieces) = shelf.remove(file) {
            return pieces;
        }
        let path = self.dir.join(file);
        let bytes = fs::read(&path).unwrap_or_default();
        let _ = fs::remove_file(&path);
        let pieces: Vec<Piece> = parse_env(&bytes)
            .into_iter()
            .map(|(name, value)| Piece::Variable { name, value })
            .collect();
        shelf.insert(file.to_owned(), pieces.clone());
        pieces
    }
}

enum Marker {
    Not,
    Partial,
    Complete { len: usize, file: String },
}

fn push_bytes(pieces: &mut Vec<Piece>, bytes: &[u8]) {
    if !bytes.is_empty() {
        pieces.push(Piece::Bytes(bytes.to_vec()));
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `pairs-<pid>-<n>`: nothing else is read from the private directory.
fn is_pairs_file(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("pairs-") else {
        return false;
    };
    let mut parts = rest.split('-');
    let numeric =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    numeric(parts.next()) && numeric(parts.next()) && parts.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(dir: &Path) -> SecretFilter {
        SecretFilter::new("00ff00ff00ff00ff", dir, Shelf::default())
    }

    fn marker(file: &str) -> Vec<u8> {
        format!("\x1b_runbook-secret:00ff00ff00ff00ff:{file}\x1b\\").into_bytes()
    }

    #[test]
    fn a_marker_becomes_the_variables_it_points_at_in_place() {
        let dir = tempfile::tempdir().expect("dir");
        fs::write(dir.path().join("pairs-7-1"), "DB_TOKEN=s3cr3t\0").expect("pairs");
        let mut f = filter(dir.path());
        let mut chunk = b"before ".to_vec();
        chunk.extend(marker("pairs-7-1"));
        chunk.extend(b"after s3cr3t");
        assert_eq!(
            f.feed(&chunk),
            vec![
                Piece::Bytes(b"before ".to_vec()),
                Piece::Variable {
                    name: "DB_TOKEN".into(),
                    value: "s3cr3t".into()
                },
                Piece::Bytes(b"after s3cr3t".to_vec()),
            ]
        );
        assert!(
            !dir.path().join("pairs-7-1").exists(),
            "the report goes as soon as it is read"
        );
        let mut other_stream = SecretFilter::new("00ff00ff00ff00ff", dir.path(), f.shelf.clone());
        assert_eq!(
            other_stream.feed(&marker("pairs-7-1")),
            vec![Piece::Variable {
                name: "DB_TOKEN".into(),
                value: "s3cr3t".into()
            }],
            "the other stream's reader finds it too"
        );
        assert!(
            f.shelf.lock().expect("shelf").is_empty(),
            "and nothing is kept"
        );
    }

    #[test]
    fn a_marker_split_across_chunks_is_held_until_complete() {
        let dir = tempfile::tempdir().expect("dir");
        fs::write(dir.path().join("pairs-7-2"), "KEY=abc\0").expect("pairs");
        let whole = marker("pairs-7-2");
        for cut in 1..whole.len() {
            fs::write(dir.path().join("pairs-7-2"), "KEY=abc\0").expect("pairs");
            let mut f = filter(dir.path());
            let mut pieces = f.feed(&whole[..cut]);
            pieces.extend(f.feed(&whole[cut..]));
            assert_eq!(
                pieces,
                vec![Piece::Variable {
                    name: "KEY".into(),
                    value: "abc".into()
                }],
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn other_escapes_and_foreign_marks_pass_through() {
        let dir = tempfile::tempdir().expect("dir");
        let mut f = filter(dir.path());
        let colour = b"\x1b[31mred\x1b[0m";
        assert_eq!(f.feed(colour), vec![Piece::Bytes(colour.to_vec())]);
        let forged = b"\x1b_runbook-secret:1111111111111111:pairs-1-1\x1b\\".to_vec();
        assert_eq!(f.feed(&forged), vec![Piece::Bytes(forged.clone())]);
        let traversal = marker("../../etc/passwd");
        assert_eq!(f.feed(&traversal), vec![Piece::Bytes(traversal.clone())]);
        assert!(f.feed(b"\x1b").is_empty(), "a lone ESC may start a marker");
        assert_eq!(f.finish(), b"\x1b");
    }

    #[test]
    fn the_trap_is_set_only_where_the_script_could_set_a_secret() {
        let declared = vec!["DATABASE_URL".to_owned(), "bad name".to_owned()];
        assert!(Watch::for_script("export DB_TOKEN=$(cat v)", &[], true).is_some());
        assert!(Watch::for_script("export $(cat .env | xargs)", &[], true).is_some());
        assert!(Watch::for_script("DATABASE_URL=pg://x", &declared, true).is_some());
        assert!(Watch::for_script("kubectl rollout status deploy/api", &declared, true).is_none());
        assert!(Watch::for_script("export VERSION=1.2; make", &[], true).is_none());
        assert!(Watch::for_script("set -a; . ./prod.env; set +a", &[], true).is_some());
        assert!(Watch::for_script("declare -x \"$name=$value\"", &[], true).is_some());
        assert!(Watch::for_script("eval \"$(vault env)\"", &[], true).is_some());
        assert!(
            Watch::for_script("export DB_TOKEN=x", &[], false).is_none(),
            "not bash"
        );
        let watch = Watch::for_script("echo $DATABASE_URL", &declared, true).expect("watch");
        assert_eq!(watch.declared, ["DATABASE_URL"], "only identifiers");
    }
}
