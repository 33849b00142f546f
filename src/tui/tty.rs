//! A `tty=true` step's output played through a terminal emulator, as the driver saw it
//! (progress bars redraw in place) — the same for the live screen, a follower's and a
//! replay, all fed from the projection's output tail.

use crate::session::state::SessionState;
use std::collections::HashMap;

/// A `tty=true` step's recorded output played through a terminal emulator, as the driver
/// saw it (progress bars redraw in place), sized like the live view's pseudo-terminal. Kept
/// between frames: output that arrived since is fed on; a new step, size or a shorter tail
/// (a seek back) starts a fresh emulator.
#[derive(Default)]
pub struct TtyScreen {
    screens: HashMap<usize, vt100::Parser>,
    /// Step, bytes fed so far, size.
    fed: Option<(usize, u64, (u16, u16))>,
}

impl TtyScreen {
    pub fn update(
        &mut self,
        state: &SessionState,
        selected: usize,
        area: ratatui::layout::Rect,
    ) -> &HashMap<usize, vt100::Parser> {
        let Some(tail) = state.steps.get(selected).map(|s| &s.tail) else {
            return self.clear();
        };
        if !tail
            .segments
            .iter()
            .any(|(stream, _)| *stream == crate::exec::Stream::Pty)
        {
            return self.clear();
        }
        let size = super::terminal::pty_size_for(area.width, area.height);
        let bytes: Vec<u8> = tail
            .segments
            .iter()
            .flat_map(|(_, d)| d.iter().copied())
            .collect();
        let new = match self.fed {
            Some((step, fed, was)) if step == selected && was == size && tail.total >= fed => {
                usize::try_from(tail.total - fed)
                    .ok()
                    .filter(|n| *n <= bytes.len())
            }
            _ => None,
        };
        let start = match new {
            Some(n) => bytes.len() - n,
            None => {
                self.screens =
                    HashMap::from([(selected, vt100::Parser::new(size.1, size.0, 1000))]);
                0
            }
        };
        if let Some(parser) = self.screens.get_mut(&selected) {
            parser.process(&bytes[start..]);
        }
        self.fed = Some((selected, tail.total, size));
        &self.screens
    }

    fn clear(&mut self) -> &HashMap<usize, vt100::Parser> {
        self.screens.clear();
        self.fed = None;
        &self.screens
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::session::event::{Body, Event, Stream};

    #[test]
    fn a_tty_steps_output_is_replayed_through_a_terminal() {
        let rb = crate::doc::load_str(
            "# T\n```bash {name=bar tty=true}\n./progress\n```\n```bash {name=plain}\necho hi\n```\n",
            std::path::Path::new("t.md"),
        )
        .unwrap();
        let output = |step: &str, stream, text: &str| {
            Event::new(
                Some(step),
                Body::Output {
                    stream,
                    bytes: text.into(),
                },
            )
        };
        let events = [
            output("bar", Stream::Pty, "10%\r50%\r100% done\r\n"),
            output("plain", Stream::Stdout, "hi\n"),
        ];
        let state = SessionState::fold(&rb, &events);
        let area = ratatui::layout::Rect::new(0, 0, 120, 40);
        let mut tty = TtyScreen::default();
        let screen = tty.update(&state, 0, area)[&0].screen().contents();
        assert_eq!(screen.lines().next(), Some("100% done"));
        assert!(
            tty.update(&state, 1, area).is_empty(),
            "pipes are shown as text"
        );
    }

    #[test]
    fn output_that_arrives_later_is_fed_on_not_replayed() {
        let rb = crate::doc::load_str(
            "# T\n```bash {name=bar tty=true}\n./progress\n```\n",
            std::path::Path::new("t.md"),
        )
        .unwrap();
        let chunk = |text: &str| {
            Event::new(
                Some("bar"),
                Body::Output {
                    stream: Stream::Pty,
                    bytes: text.into(),
                },
            )
        };
        let area = ratatui::layout::Rect::new(0, 0, 120, 40);
        let mut state = SessionState::fold(&rb, &[chunk("line one\r\n")]);
        let mut tty = TtyScreen::default();
        tty.update(&state, 0, area);
        state.apply(&chunk("line two\r\n"));
        let screen = tty.update(&state, 0, area)[&0].screen().contents();
        let rows: Vec<&str> = screen.lines().take(2).collect();
        assert_eq!(rows, ["line one", "line two"]);
    }
}
