//! Load + validate a generated 5,000-step (~330 KB) Markdown runbook (target ≤ 15 ms),
//! a 0.7 MB fence info string (linear, not quadratic),
//! a YAML runbook of the same size, and the rejection of a YAML alias bomb.
//!
//! Run with `cargo bench --bench load`.

use runbook::doc::load_str;
use std::fmt::Write;
use std::path::Path;

fn main() {
    divan::main();
}

/// A plan of days → phases → steps. Per phase of 20 steps: 4 shell blocks with
/// attributes, 2 console transcripts, 1 explicit ```runbook wait (YAML through
/// serde-saphyr, ~10 µs each — the costliest element) and 13 task items.
fn generated_markdown(steps: usize) -> String {
    let mut out = String::from(
        "---\ntitle: Generated plan\nparams:\n  version: {default: v1.0.0, pattern: '^v\\d+\\.\\d+\\.\\d+$'}\nhealth:\n  - {name: api, http: http://127.0.0.1:8080/health}\n---\n# Generated plan\n\nA long plan used to measure loading.\n\n",
    );
    let mut n = 0;
    let mut day = 0;
    while n < steps {
        day += 1;
        let _ = writeln!(out, "## Day {day}\n");
        for phase in 1..=5 {
            let _ = writeln!(
                out,
                "### Phase {day}.{phase}: migrate shard {phase}\n\nMove the shard, then verify.\n"
            );
            for i in 0..20 {
                if n >= steps {
                    break;
                }
                match i {
                    0 | 5 | 10 | 15 => {
                        let _ = writeln!(
                            out,
                            "```bash {{name=step-{n} timeout=5m}}\n./migrate.sh --shard {phase} --batch {i}\n```\n"
                        );
                    }
                    3 | 13 => {
                        let _ = writeln!(
                            out,
                            "```console\n$ kubectl get pods -l shard={phase}\nshard-{phase} 1/1 Running\n```\n"
                        );
                    }
                    7 => {
                        let _ = writeln!(out, "```runbook\n- wait: 30s\n  until: [api]\n```\n");
                    }
                    _ => {
                        let _ = writeln!(
                            out,
                            "- [ ] Shard {phase} batch {i} row counts match on replica {n}"
                        );
                    }
                }
                n += 1;
            }
            out.push('\n');
        }
    }
    out.push_str("## Rollback\n\n```bash\n./migrate.sh --undo\n```\n");
    out
}

fn generated_yaml(steps: usize) -> String {
    let mut out = String::from("title: Generated plan\nsections:\n");
    for s in 0..steps / 50 {
        let _ = writeln!(out, "  - title: Section {s}\n    steps:");
        for i in 0..50 {
            if i % 2 == 0 {
                let _ = writeln!(
                    out,
                    "      - run: ./migrate.sh --shard {s} --batch {i}\n        timeout: 5m"
                );
            } else {
                let _ = writeln!(out, "      - check: Shard {s} batch {i} row counts match");
            }
        }
    }
    out
}

#[divan::bench(sample_count = 200)]
fn markdown_5000_steps(bencher: divan::Bencher) {
    let text = generated_markdown(5000);
    let rb = load_str(&text, Path::new("plan.md")).expect("generated runbook is valid");
    assert_eq!(
        rb.steps().len(),
        5001,
        "5,000 generated steps + the rollback step"
    );
    assert!(
        (300_000..360_000).contains(&text.len()),
        "about 330 KB, got {}",
        text.len()
    );
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| load_str(divan::black_box(&text), Path::new("plan.md")));
}

#[divan::bench(sample_count = 100)]
fn yaml_5000_steps(bencher: divan::Bencher) {
    let text = generated_yaml(5000);
    let rb = load_str(&text, Path::new("plan.yaml")).expect("generated runbook is valid");
    assert_eq!(rb.steps().len(), 5000);
    bencher
        .counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| load_str(divan::black_box(&text), Path::new("plan.yaml")));
}

#[divan::bench(sample_count = 20)]
fn yaml_alias_bomb_rejected(bencher: divan::Bencher) {
    let mut text = String::from("title: bomb\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        let refs = vec![format!("*a{p}"); 10].join(", ");
        let _ = writeln!(text, "a{i}: &a{i} [{refs}]");
    }
    assert!(load_str(&text, Path::new("bomb.yaml")).is_err());
    bencher.bench(|| load_str(divan::black_box(&text), Path::new("bomb.yaml")).is_err());
}

/// A 0.7 MB fence info string of 80,000 unknown attributes: reported (the first ten) in
/// linear time — it once took 1.4 s and gigabytes.
#[divan::bench(sample_count = 20)]
fn long_info_string_rejected(bencher: divan::Bencher) {
    let attrs: Vec<String> = (0..80_000).map(|i| format!("k{i}=v")).collect();
    let text = format!("# L\n```bash {{{}}}\necho\n```\n", attrs.join(" "));
    assert!(load_str(&text, Path::new("long.md")).is_err());
    bencher.bench(|| load_str(divan::black_box(&text), Path::new("long.md")).is_err());
}
