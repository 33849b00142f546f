//! The wrapper's reports, told apart from the step's own stderr. Each report starts with
//! a mark no output contains by chance — `\x1e` and a random nonce drawn for the run —
//! and a header line: `start PGID`, `before` (then an `export -p` listing), `go`, `env`
//! (the listing after the script), `pwd` (then the directory), `end STATUS`, `torn`. A dump runs
//! to the next mark. Everything else is the step's stderr, passed on as it streams; only
//! a tail that could be the start of a mark waits for the next read.

/// One piece of the stderr stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The step's own stderr.
    Text(Vec<u8>),
    /// The remote shell runs, leading this process group.
    Start { pgid: i32 },
    /// The environment before the script.
    Before(Vec<u8>),
    /// The script starts now.
    Go,
    /// The environment after the script.
    After(Vec<u8>),
    /// The directory the script ended in (with its newline).
    Pwd(Vec<u8>),
    /// The script ended with this status.
    End { status: i32 },
    /// The script did not arrive whole and was not run.
    Torn,
}

/// Dumps larger than this are dropped (the step's state is then not carried).
const MAX_DUMP: usize = 4 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dump {
    Before,
    After,
    Pwd,
}

/// Splits stderr into frames, across reads.
#[derive(Debug)]
pub struct Deframer {
    mark: Vec<u8>,
    pending: Vec<u8>,
    dump: Option<(Dump, Vec<u8>, bool)>,
}

impl Deframer {
    pub fn new(mark: &[u8]) -> Self {
        Deframer {
            mark: mark.to_vec(),
            pending: Vec::new(),
            dump: None,
        }
    }

    /// Takes the next bytes read; complete frames go to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Frame>) {
        self.pending.extend_from_slice(bytes);
        loop {
            match find(&self.pending, &self.mark) {
                Some(at) => {
                    let header_start = at + self.mark.len();
                    let Some(newline) = self.pending[header_start..]
                        .iter()
                        .position(|&b| b == b'\n')
                    else {
                        self.body(at, out);
                        return;
                    };
                    let header = String::from_utf8_lossy(
                        &self.pending[header_start..header_start + newline],
                    )
                    .into_owned();
                    self.body(at, out);
                    self.pending.drain(..header_start - at + newline + 1);
                    self.header(&header, out);
                }
                None => {
                    let keep = partial_mark_len(&self.pending, &self.mark);
                    self.body(self.pending.len() - keep, out);
                    return;
                }
            }
        }
    }

    /// The stream ended: whatever is left is the step's.
    pub fn finish(&mut self, out: &mut Vec<Frame>) {
        let len = self.pending.len();
        self.body(len, out);
        self.close_dump(out);
    }

    /// Moves `pending[..end]` into the open dump, or out as text.
    fn body(&mut self, end: usize, out: &mut Vec<Frame>) {
        if end == 0 {
            return;
        }
        let bytes: Vec<u8> = self.pending.drain(..end).collect();
        match &mut self.dump {
            Some((_, dump, overflow)) => {
                if dump.len() + bytes.len() > MAX_DUMP {
                    *overflow = true;
                } else {
                    dump.extend_from_slice(&bytes);
                }
            }
            None => out.push(Frame::Text(bytes)),
        }
    }

    fn close_dump(&mut self, out: &mut Vec<Frame>) {
        if let Some((kind, bytes, overflow)) = self.dump.take()
            && !overflow
        {
            out.push(match kind {
                Dump::Before => Frame::Before(bytes),
                Dump::After => Frame::After(bytes),
                Dump::Pwd => Frame::Pwd(bytes),
            });
        }
    }

    fn header(&mut self, header: &str, out: &mut Vec<Frame>) {
        self.close_dump(out);
        let mut words = header.split(' ');
        let number = |word: Option<&str>| word.and_then(|w| w.parse::<i32>().ok());
        match words.next() {
            Some("start") => {
                if let Some(pgid) = number(words.next()) {
                    out.push(Frame::Start { pgid });
                }
            }
            Some("end") => {
                if let Some(status) = number(words.next()) {
                    out.push(Frame::End { status });
                }
            }
            Some("before") => self.dump = Some((Dump::Before, Vec::new(), false)),
            Some("env") => self.dump = Some((Dump::After, Vec::new(), false)),
            Some("pwd") => self.dump = Some((Dump::Pwd, Vec::new(), false)),
            Some("go") => out.push(Frame::Go),
            Some("torn") => out.push(Frame::Torn),
            _ => {}
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// How many bytes at the end of `bytes` could begin `mark`.
fn partial_mark_len(bytes: &[u8], mark: &[u8]) -> usize {
    let longest = mark.len().saturating_sub(1).min(bytes.len());
    (1..=longest)
        .rev()
        .find(|&n| bytes[bytes.len() - n..] == mark[..n])
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MARK: &[u8] = b"\x1eRB0123456789abcdef:";

    fn stream() -> Vec<u8> {
        let mut s = Vec::new();
        s.extend_from_slice(MARK);
        s.extend_from_slice(b"start 4242\n");
        s.extend_from_slice(MARK);
        s.extend_from_slice(b"before\nA=1\0HOME=/root\0");
        s.extend_from_slice(MARK);
        s.extend_from_slice(b"go\nwarning: disk 91%\nno newline at the end");
        s.extend_from_slice(MARK);
        s.extend_from_slice(b"env\nA=2\0HOME=/root\0");
        s.extend_from_slice(MARK);
        s.extend_from_slice(b"pwd\n/srv\n");
        s.extend_from_slice(MARK);
        s.extend_from_slice(b"end 3\n");
        s
    }

    fn frames_of(chunks: &[&[u8]]) -> Vec<Frame> {
        let mut deframer = Deframer::new(MARK);
        let mut out = Vec::new();
        for chunk in chunks {
            deframer.push(chunk, &mut out);
        }
        deframer.finish(&mut out);
        merge_text(out)
    }

    /// Adjacent text frames joined, as a reader would show them.
    fn merge_text(frames: Vec<Frame>) -> Vec<Frame> {
        let mut merged: Vec<Frame> = Vec::new();
        for frame in frames {
            match (merged.last_mut(), frame) {
                (Some(Frame::Text(a)), Frame::Text(b)) => a.extend(b),
                (_, frame) => merged.push(frame),
            }
        }
        merged
    }

    fn expected() -> Vec<Frame> {
        vec![
            Frame::Start { pgid: 4242 },
            Frame::Before(b"A=1\0HOME=/root\0".to_vec()),
            Frame::Go,
            Frame::Text(b"warning: disk 91%\nno newline at the end".to_vec()),
            Frame::After(b"A=2\0HOME=/root\0".to_vec()),
            Frame::Pwd(b"/srv\n".to_vec()),
            Frame::End { status: 3 },
        ]
    }

    #[test]
    fn reports_and_output_come_apart() {
        assert_eq!(frames_of(&[&stream()]), expected());
    }

    #[test]
    fn text_is_passed_on_at_once_unless_it_could_start_a_mark() {
        let mut deframer = Deframer::new(MARK);
        let mut out = Vec::new();
        deframer.push(b"progress 10%\n\x1eRB01", &mut out);
        assert_eq!(out, [Frame::Text(b"progress 10%\n".to_vec())]);
        out.clear();
        deframer.push(b"x", &mut out);
        assert_eq!(out, [Frame::Text(b"\x1eRB01x".to_vec())]);
    }

    proptest! {
        #[test]
        fn any_split_of_the_stream_reads_the_same(cuts in proptest::collection::vec(0usize..200, 0..12)) {
            let stream = stream();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (stream.len() + 1)).collect();
            cuts.sort_unstable();
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut last = 0;
            for cut in cuts {
                chunks.push(&stream[last..cut]);
                last = cut;
            }
            chunks.push(&stream[last..]);
            prop_assert_eq!(frames_of(&chunks), expected());
        }

        #[test]
        fn output_without_marks_is_passed_on_whole(text in proptest::collection::vec(any::<u8>(), 0..300)) {
            let frames = frames_of(&[&text]);
            let got: Vec<u8> = frames.into_iter().flat_map(|f| match f {
                Frame::Text(t) => t,
                other => panic!("unexpected {other:?}"),
            }).collect();
            prop_assert_eq!(got, text);
        }
    }
}
