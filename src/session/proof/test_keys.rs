//! Fixed Ed25519 keys for the proof module's unit tests (the end-to-end tests use ssh-keygen).

use ssh_key::{HashAlg, PrivateKey, private::Ed25519Keypair};

/// Key number `n`, the same on every run.
pub fn key(n: u8) -> PrivateKey {
    PrivateKey::from(Ed25519Keypair::from_seed(&[n; 32]))
}

/// `ssh-ed25519 AAAA…` of key `n`.
pub fn public_line(n: u8) -> String {
    key(n).public_key().to_openssh().expect("openssh text")
}

/// An armored SSHSIG by key `n` over `message` in `namespace`.
pub fn sign(n: u8, namespace: &str, message: &str) -> String {
    key(n)
        .sign(namespace, HashAlg::Sha512, message.as_bytes())
        .expect("signed")
        .to_pem(ssh_key::LineEnding::LF)
        .expect("armored")
}
