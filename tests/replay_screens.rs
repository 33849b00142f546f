//! The REPLAY and FOLLOW screens of the recorded fixture session, drawn with
//! ratatui's TestBackend: the replay at several points of its timeline, and a
//! follower part-way through the session.

mod screen;

use chrono::{DateTime, TimeZone, Utc};
use runbook::replay::follow::Follower;
use runbook::replay::player::Player;
use runbook::replay::{Feed, Transport};
use runbook::tui::app::App;
use runbook::tui::viewer;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sessions/release-drill.jsonl")
}

/// The screen as text, one line per row.
fn shot(feed: &mut dyn Feed, app: &mut App, width: u16, height: u16, now: DateTime<Utc>) -> String {
    if let Some(opened) = feed.opened() {
        viewer::sync_selection(app, opened.projection());
    }
    screen::render(width, height, |frame| {
        viewer::draw(
            frame,
            feed,
            app,
            &mut viewer::TtyScreen::default(),
            (now, Instant::now()),
        )
    })
}

/// A replay of the fixture, fully indexed, at `events` applied.
fn replay_at(events: usize) -> Player {
    let mut player = Player::open(&fixture(), 1.0).expect("fixture opens");
    player.transport(Transport::End).expect("index");
    player.seek(events).expect("seek");
    player.playing = false;
    player
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 16, 45)
        .single()
        .expect("time")
}

#[test]
fn replay_at_the_start_playing() {
    let mut player = replay_at(0);
    player.playing = true;
    let text = shot(&mut player, &mut App::new(0), 120, 40, now());
    assert!(
        text.contains("REPLAY") && text.contains("▶ playing 1× · event 0 of 21"),
        "{text}"
    );
    insta::assert_snapshot!("replay_start_120x40", text);
}

#[test]
fn replay_mid_step_with_output() {
    let mut player = replay_at(6);
    let text = shot(&mut player, &mut App::new(0), 120, 40, now());
    assert!(
        text.contains("check 2 ok") && !text.contains("check 3 ok"),
        "{text}"
    );
    insta::assert_snapshot!("replay_running_120x40", text);
}

#[test]
fn replay_at_the_gate() {
    let mut player = replay_at(10);
    let text = shot(&mut player, &mut App::new(0), 120, 40, now());
    assert!(text.contains("Any sev-1 open"), "{text}");
    insta::assert_snapshot!("replay_gate_120x40", text);
}

#[test]
fn replay_at_the_failure_shows_no_walk_keys() {
    let mut player = replay_at(15);
    let mut app = App::new(0);
    let text = shot(&mut player, &mut app, 120, 40, now());
    assert!(
        text.contains("✗ exit 3") && !text.contains("r retry"),
        "{text}"
    );
    insta::assert_snapshot!("replay_failed_120x40", text);
}

#[test]
fn replay_at_the_end_and_narrow() {
    let mut player = replay_at(21);
    let text = shot(&mut player, &mut App::new(0), 120, 40, now());
    assert!(
        text.contains("■ end of the replay · session rolled back"),
        "{text}"
    );
    insta::assert_snapshot!("replay_end_120x40", text);
    insta::assert_snapshot!(
        "replay_end_80x24",
        shot(&mut player, &mut App::new(0), 80, 24, now())
    );
}

#[test]
fn replay_help_lists_the_transport_keys() {
    let mut player = replay_at(3);
    let mut app = App::new(0);
    app.help = true;
    insta::assert_snapshot!(
        "replay_help_100x30",
        shot(&mut player, &mut app, 100, 30, now())
    );
}

#[test]
fn follow_part_way_through_the_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("release-drill.jsonl");
    let text = std::fs::read_to_string(fixture()).expect("fixture");
    // Header and 13 events: the deploy step is running and has printed a line.
    let part: String = text.split_inclusive('\n').take(14).collect();
    std::fs::write(&log, part).expect("partial log");
    let mut follower = Follower::file(&log);
    follower.poll(usize::MAX, &mut |_| {}).expect("poll");
    let at = Utc
        .with_ymd_and_hms(2026, 11, 22, 10, 16, 44)
        .single()
        .expect("time")
        + chrono::Duration::milliseconds(900);
    let text = shot(&mut follower, &mut App::new(0), 120, 40, at);
    assert!(
        text.contains("FOLLOW") && text.contains("following ana@vm · 13 events"),
        "{text}"
    );
    assert!(
        text.contains("deploying api v2.3.1") && !text.contains("▌error"),
        "{text}"
    );
    insta::assert_snapshot!("follow_120x40", text);
}
