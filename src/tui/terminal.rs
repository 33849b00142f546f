//! The terminal while the view owns it: raw mode and the alternate screen,
//! given back on every exit path (quit, error, panic, signal) and lent to
//! `interactive=true` steps.

use ratatui::DefaultTerminal;
use ratatui::Frame;

/// The terminal in full-screen mode.
pub struct Screen {
    terminal: Option<DefaultTerminal>,
}

impl Screen {
    /// Raw mode, alternate screen, and a panic hook that restores both.
    pub fn enter() -> std::io::Result<Self> {
        let terminal = ratatui::try_init()?;
        crate::terminal_mark::entered();
        Ok(Screen {
            terminal: Some(terminal),
        })
    }

    /// Gives the terminal back to the shell (idempotent). Errors are ignored: after a
    /// hang-up there is no terminal left to restore, nor a stderr to complain on.
    pub fn leave(&mut self) {
        if let Some(mut terminal) = self.terminal.take() {
            let _ = terminal.show_cursor();
            let _ = ratatui::try_restore();
            crate::terminal_mark::left();
            // Its drop would report a cursor it could not show on a vanished terminal.
            std::mem::forget(terminal);
        }
    }

    /// Hands the real terminal to a command; the screen is blank meanwhile.
    pub fn suspend(&mut self) -> std::io::Result<()> {
        self.leave();
        Ok(())
    }

    /// Takes the terminal back after [`Screen::suspend`] and redraws from scratch.
    pub fn resume(&mut self) -> std::io::Result<()> {
        let terminal = ratatui::try_init()?;
        crate::terminal_mark::entered();
        // Cleared without `Terminal::clear`, which asks the terminal where its cursor is
        // and fails where no answer comes; a fresh terminal redraws every cell anyway.
        crossterm::execute!(
            std::io::stdout(),
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        self.terminal = Some(terminal);
        Ok(())
    }

    /// Columns and rows for a `tty=true` step's pseudo-terminal: the output pane's size.
    pub fn pty_size(&self) -> (u16, u16) {
        let size = self.terminal.as_ref().and_then(|t| t.size().ok());
        size.map_or((100, 30), |s| pty_size_for(s.width, s.height))
    }

    pub fn draw(&mut self, render: impl FnOnce(&mut Frame)) -> std::io::Result<()> {
        if let Some(terminal) = self.terminal.as_mut() {
            let colour = super::colour::enabled();
            terminal.draw(|frame| {
                render(frame);
                if !colour {
                    super::colour::strip(frame.buffer_mut());
                }
            })?;
        }
        Ok(())
    }
}

/// Columns and rows of a `tty=true` step's terminal on a screen of this size.
pub fn pty_size_for(width: u16, height: u16) -> (u16, u16) {
    (
        width.saturating_sub(40).max(40),
        height.saturating_sub(12).max(10),
    )
}

impl Drop for Screen {
    fn drop(&mut self) {
        self.leave();
    }
}
