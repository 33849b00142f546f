//! `--sign-key`, `--sign-principal`, `--anchor` and `--anchor-required` on `run` and
//! `resume`: checked before a session starts, then handed to the engine as a
//! [`Prover`] (PRODUCT.md §2.7).

use crate::session::proof::Prover;
use crate::session::proof::anchor::Anchor;
use crate::session::proof::signer::{KeyChoice, Signer};

/// How a session proves itself, as the operator asked for it.
///
/// Filled from the command line. The config file (`sign_key`, `sign_principal`,
/// `anchors`, `anchor_required`) fills the same fields where a flag is absent, once it is
/// read: a flag given on the command line always wins.
#[derive(Debug, Clone, Default)]
pub struct ProofArgs {
    /// `agent` or a key file.
    pub sign_key: Option<String>,
    /// Who the allowed-signers file names for the key (default: the operator).
    pub sign_principal: Option<String>,
    /// Sinks, as `--anchor` takes them.
    pub anchors: Vec<String>,
    /// No step starts while an anchor cannot be written.
    pub anchor_required: bool,
    /// How `ssh://` anchors call ssh (`--ssh-config`).
    pub ssh: crate::fleet::SshSettings,
}

/// What [`ProofArgs`] resolved to, before the session (and its id) exists.
#[derive(Debug)]
pub struct ProofPlan {
    signer: Option<Signer>,
    anchors: Vec<Anchor>,
    required: bool,
}

impl ProofPlan {
    /// Checks the flags and finds the key: a bad sink, a missing key file or an empty
    /// agent is an error before anything is recorded.
    pub fn resolve(args: &ProofArgs, operator: &str) -> Result<Self, String> {
        let anchors = args
            .anchors
            .iter()
            .map(|text| text.parse::<Anchor>().map(|a| a.with_ssh(&args.ssh)))
            .collect::<Result<Vec<_>, _>>()?;
        if args.anchor_required && anchors.is_empty() {
            return Err("--anchor-required needs at least one --anchor".into());
        }
        let signer = match &args.sign_key {
            Some(choice) => {
                let principal = args.sign_principal.as_deref().unwrap_or(operator);
                Some(Signer::new(&KeyChoice::parse(choice)?, principal)?)
            }
            None if args.sign_principal.is_some() => {
                return Err("--sign-principal needs --sign-key".into());
            }
            None => None,
        };
        Ok(ProofPlan {
            signer,
            anchors,
            required: args.anchor_required,
        })
    }

    /// The prover for the session `session_id`, driven from `host`.
    pub fn prover(self, session_id: &str, host: &str) -> Prover {
        Prover::new(session_id, host, self.signer, self.anchors, self.required)
    }
}

/// When an audit failure is a required anchor that could not be written: what about it.
pub fn anchor_failure(error: &str) -> Option<&str> {
    let at = error.find(crate::session::proof::seal::REQUIRED_ANCHOR_FAILED)?;
    Some(&error[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_that_cannot_work_are_refused_before_the_session() {
        let refused = |args: ProofArgs| ProofPlan::resolve(&args, "ana").expect_err("refused");
        assert!(
            refused(ProofArgs {
                anchors: vec!["carrier-pigeon".into()],
                ..ProofArgs::default()
            })
            .contains("carrier-pigeon")
        );
        assert!(
            refused(ProofArgs {
                anchor_required: true,
                ..ProofArgs::default()
            })
            .contains("--anchor-required needs")
        );
        assert!(
            refused(ProofArgs {
                sign_principal: Some("ana".into()),
                ..ProofArgs::default()
            })
            .contains("--sign-principal needs --sign-key")
        );
        assert!(
            refused(ProofArgs {
                sign_key: Some("/nonexistent/id_ed25519".into()),
                ..ProofArgs::default()
            })
            .contains("/nonexistent/id_ed25519")
        );
        let plan = ProofPlan::resolve(
            &ProofArgs {
                anchors: vec!["file:/tmp/a".into(), "syslog".into()],
                anchor_required: true,
                ..ProofArgs::default()
            },
            "ana",
        )
        .expect("fine");
        assert!(plan.prover("s-1", "h").is_active());
        assert_eq!(
            anchor_failure(
                "audit log /x.jsonl: a required anchor could not be written: file:/y: gone"
            ),
            Some("a required anchor could not be written: file:/y: gone")
        );
        assert_eq!(anchor_failure("audit log /x.jsonl: disk full"), None);
        let nothing = ProofPlan::resolve(&ProofArgs::default(), "ana").expect("fine");
        assert!(!nothing.prover("s-1", "h").is_active());
    }
}
