//! The flags of `run` and `resume` (also given without a subcommand): what they say
//! about the settings, and the run's options once the settings fill what they left open.

use super::prove::ProofArgs;
use super::run::RunArgs;
use crate::config::{Overrides, Settings};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Clone, Default)]
pub struct RunFlags {
    /// Start at the first step of this section (title text or number such as 3.2).
    #[arg(long, value_name = "S")]
    pub section: Option<String>,
    /// Walk one day of a plan: its label (`7`, `Day 7`, `"Jan 9"`) or `next`.
    #[arg(long, value_name = "DAY")]
    pub day: Option<String>,
    /// Open the day although the day before is not done, or before its time; REASON is recorded.
    #[arg(long, value_name = "REASON")]
    pub force_day: Option<String>,
    /// A parameter value, passed to commands as $NAME (repeatable); also the value of a
    /// placeholder of that name (`<cluster-name>`: cluster-name=V or CLUSTER_NAME=V).
    #[arg(long = "param", value_name = "K=V")]
    pub params: Vec<String>,
    /// Who is driving (default: $RUNBOOK_OPERATOR, `operator` in the configuration, $USER).
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// Answer confirmations automatically (recorded as automatic); gates are GO, sign-offs need --signoff or a follower.
    #[arg(long)]
    pub yes: bool,
    /// Line-oriented dialogue on stdin/stdout instead of the full-screen view
    /// (the default with TERM=dumb or `plain = true`; `--plain=false` for the full screen).
    #[arg(long, require_equals = true, num_args = 0..=1, default_missing_value = "true")]
    pub plain: Option<bool>,
    /// Walk and record the plan, running nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// End waits at once (recorded as such); for rehearsals and tests.
    #[arg(long)]
    pub skip_waits: bool,
    /// Under --yes, run proposed steps too (commands the document did not mark as shell);
    /// without it --yes never confirms them.
    #[arg(long)]
    pub run_proposed: bool,
    /// Sign a sign-off role by name under --yes (repeatable).
    #[arg(long = "signoff", value_name = "ROLE=NAME")]
    pub signoffs: Vec<String>,
    /// The option that applies at a choice of the runbook (repeatable): its title, or the
    /// start of it, case-insensitive; `none` where a choice is a condition that does not
    /// apply. Under --yes a choice without one stops the walk (resumable).
    #[arg(long = "choose", value_name = "TITLE")]
    pub choose: Vec<String>,
    /// Under --yes, how long a sign-off gate waits for followers' `runbook sign` (default 5m).
    #[arg(long, value_name = "DURATION")]
    pub signoff_timeout: Option<String>,
    /// Where session logs go (default: the user's state directory).
    #[arg(long, env = "RUNBOOK_AUDIT_DIR", value_name = "DIR")]
    pub audit_dir: Option<PathBuf>,
    /// Sign the chain head at each gate, sign-off, rollback and the end with this SSH key
    /// (a private key, or a public key held by ssh-agent), or `agent` for the agent's first key.
    #[arg(long, value_name = "FILE|agent")]
    pub sign_key: Option<String>,
    /// The principal the allowed-signers file names for the key (default: the operator).
    #[arg(long, value_name = "NAME")]
    pub sign_principal: Option<String>,
    /// Also write each signed head to SINK (repeatable): syslog, syslog://HOST[:PORT],
    /// syslog+tcp://HOST[:PORT], file:PATH, ssh://[USER@]HOST/PATH.
    #[arg(long = "anchor", value_name = "SINK")]
    pub anchors: Vec<String>,
    /// Start no step while an anchor cannot be written (the session stops, resumable).
    #[arg(long)]
    pub anchor_required: bool,
    /// Every ssh call reads FILE instead of ~/.ssh/config (`ssh -F FILE`).
    #[arg(long, env = "RUNBOOK_SSH_CONFIG", value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
}

impl RunFlags {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            operator: self.operator.clone(),
            audit_dir: self.audit_dir.clone(),
            signoff_timeout: self.signoff_timeout.clone(),
            color: None,
            plain: self.plain,
            sign_key: self.sign_key.clone(),
            anchors: self.anchors.clone(),
        }
    }

    /// The run's options, with what the flags left open filled from the settings.
    pub fn args(&self, settings: &Settings) -> RunArgs {
        RunArgs {
            params: self.params.clone(),
            operator: Some(settings.operator.value.clone()),
            yes: self.yes,
            dry_run: self.dry_run,
            skip_waits: self.skip_waits,
            run_proposed: self.run_proposed,
            signoffs: self.signoffs.clone(),
            choose: self.choose.clone(),
            signoff_timeout: Some(settings.signoff_timeout.value.clone()),
            audit_dir: settings.audit_dir.value.clone(),
            section: self.section.clone(),
            day: self.day.clone(),
            force_day: self.force_day.clone(),
            plain: settings.plain.value,
            proof: ProofArgs {
                sign_key: settings.sign_key.value.clone(),
                sign_principal: self.sign_principal.clone(),
                anchors: settings.anchors.value.clone(),
                anchor_required: self.anchor_required,
                ssh: crate::fleet::SshSettings::with_config(self.ssh_config.clone()),
            },
        }
    }
}
