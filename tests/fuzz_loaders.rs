//! Bad input never panics: arbitrary bytes and mutated real runbooks through both loaders,
//! and the lint rules on whatever loads.

use proptest::prelude::*;
use runbook::doc::load_bytes;
use runbook::lint::{Document, Options, lint};
use std::path::Path;

const SEEDS: &[&str] = &[
    include_str!("fixtures/seeds/000_ebdede70e6c1452d.txt"),
    include_str!("fixtures/seeds/002_0aca07e2130c2f31.txt"),
    include_str!("fixtures/seeds/003_163514e4c4b2b279.txt"),
    include_str!("fixtures/real/k8s-kubeadm-upgrade.md"),
    include_str!("fixtures/real/gitlab-patroni-scale-down.md"),
    include_str!("fixtures/real/jekyll-highlight-upgrade.md"),
    include_str!("fixtures/real/blog-user-host-prompts.md"),
    include_str!("fixtures/real/docusaurus-tabs-deploy.md"),
    include_str!("fixtures/real/patroni-replica-rebuild.md"),
    include_str!("fixtures/lint/rb004-unbounded-wait.md"),
];

const YAML_SAMPLE: &str = "title: T\nparams:\n  version: {default: v1.0.0, pattern: '^v'}\nhealth:\n  - {name: api, http: http://127.0.0.1:1/health, every: 1s}\nsections:\n  - title: A\n    steps:\n      - run: echo hi\n        name: hi\n        timeout: 5s\n      - wait: 1m\n        until: [api]\n        stable_for: 10s\n      - gate: Go?\n        criteria: [a, b]\n        signoffs: [SRE, {role: Lead, distinct: true}]\nrollback:\n  - run: echo undo\n";

const MARKDOWN_PIECES: &[&str] = &[
    "# Title\n",
    "## Section\n",
    "### Rollback\n",
    "## Go/No-Go\n",
    "## Sign-off\n",
    "- [ ] check\n",
    "- [x] done\n",
    "  - [ ] nested\n",
    "- plain\n",
    "```bash {name=a timeout=5s}\necho a\n```\n",
    "```console\n$ ls\nout\n```\n",
    "```runbook\n- wait: 1s\n```\n",
    "```runbook\n{{{\n```\n",
    "---\ntitle: x\n---\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n",
    "> quote\n",
    "    indented code\n",
    "```\nplain fence\n",
    "```bash {\n```\n",
    "\n",
    "text with `code` and *em*\n",
    "1. first step\n2. second step\n",
    "```\nkubectl get pods -n <namespace>\n```\n",
    "```bash\n$ cat <<EOF\n> a=<value>\n> EOF\nout\n# root prompt\n```\n",
    "```sh\n# apt-get update\n# Wait 5 minutes\n```\n",
    "```bash\n# Monitor for 1 hour\n\n# Check logs\n```\n",
    "```yaml\n- [ ] fenced task\n```\n",
    "{% highlight bash %}\nls {{site.version}}\n{% endhighlight %}\n",
    "<details>\n```bash\necho in html\n```\n</details>\n",
    "```shell-session\nuser@host:~$ echo '{{< skew currentVersion >}}'\n```\n",
    "    === \"tab\"\n\n        ```bash\n        ls\n        ```\n",
    "```bash {name=a name=b}\nx\n```\n",
    "```bash\nunclosed fence\n",
    "---\nweight: 3\nheath: x\n",
    "# Title\n# Subtitle\n",
    "Status: \u{e2}\u{153}\u{2026} done\n",
    "| a |\n+---+\n",
    "### Option 1: apt\n",
    "### Option 2\n",
    "## Alternative: by hand\n",
    "## If you use Helm\n",
    "### AWS (EKS)\n",
    "## FAQ\n",
    "## Troubleshooting\n",
    "{{< tabs name=\"x\" >}}\n{{% tab name=\"A\" %}}\n",
    "{{% /tab %}}\n{{< /tabs >}}\n",
    "=== \"Linux\"\n\n    ```bash\n    ls\n    ```\n",
    "<Tabs>\n<TabItem value=\"a\" label=\"A\">\n\n",
    "</TabItem>\n</Tabs>\n",
    "{% tabs %}\n{% tab title=\"GCP\" %}\n",
    "```bash\nssh db-1\nsudo -u postgres psql\n\\q\nexit\n```\n",
    "```bash\noc debug node/<node>\n```\n",
    "Run this on the replica node:\n",
    "```bash\nkubectl delete ns x\nuntil curl -f x; do sleep 1; done\nkubectl logs -f y\nexport PGPASSWORD=abcd1234\n```\n",
    "```bash\n# runbook: allow RB003 RB007\nrm -rf /tmp/x\n```\n",
    "<!-- runbook: allow all -->\n",
    "---\nlast_reviewed_on: 2020-01-01\nreview_in: 99999999999y\nlint: {allow: 7}\n---\n",
];

/// A mutation applied to real text: flip, insert or delete bytes at a position.
fn mutate(text: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for &(at, op, value) in edits {
        if bytes.is_empty() {
            bytes.push(value);
            continue;
        }
        let at = at % bytes.len();
        match op % 3 {
            0 => bytes[at] ^= value | 1,
            1 => bytes.insert(at, value),
            _ => {
                bytes.remove(at);
            }
        }
    }
    bytes
}

fn load_both(bytes: &[u8]) {
    for name in ["fuzz.md", "fuzz.yaml"] {
        match load_bytes(bytes, Path::new(name)) {
            Ok(runbook) => {
                let text = String::from_utf8_lossy(bytes);
                let options = Options {
                    shellcheck: false,
                    today: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"),
                };
                let _ = lint(
                    &[Document {
                        runbook: &runbook,
                        text: &text,
                    }],
                    &options,
                );
            }
            Err(e) => {
                assert!(
                    !e.diagnostics.is_empty(),
                    "an error names at least one problem"
                );
                let _ = e.to_string();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        load_both(&bytes);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,600}") {
        load_both(text.as_bytes());
    }

    #[test]
    fn mutated_markdown_runbooks_never_panic(
        seed in 0..SEEDS.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..24),
    ) {
        load_both(&mutate(SEEDS[seed], &edits));
    }

    #[test]
    fn mutated_yaml_runbooks_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..16)) {
        load_both(&mutate(YAML_SAMPLE, &edits));
    }

    #[test]
    fn shuffled_markdown_structure_never_panics(pieces in proptest::collection::vec(0..MARKDOWN_PIECES.len(), 0..40)) {
        let text: String = pieces.iter().map(|&i| MARKDOWN_PIECES[i]).collect();
        load_both(text.as_bytes());
    }
}

#[test]
fn the_yaml_sample_itself_is_valid() {
    let rb = load_bytes(YAML_SAMPLE.as_bytes(), Path::new("sample.yaml")).expect("valid sample");
    assert_eq!(rb.steps().len(), 4);
    assert_eq!(rb.steps().iter().filter(|r| r.rollback).count(), 1);
}
