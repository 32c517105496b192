//! Secrets at rest (delivery credentials, webhook signing secrets): KMS encryption bound to an
//! encryption context naming what the secret belongs to, so that a ciphertext copied onto
//! another record does not decrypt; stored as base64.

use aws_sdk_kms::primitives::Blob;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::infra::aws::Aws;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("KMS {operation}: {error:?}")]
    Kms {
        operation: &'static str,
        error: aws_sdk_kms::Error,
    },
    #[error("sealed secret: {0}")]
    Malformed(String),
}

fn context(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Encrypts `plaintext` under `key_id` with the encryption context `pairs`.
pub async fn seal(
    aws: &Aws,
    key_id: &str,
    pairs: &[(&str, &str)],
    plaintext: Vec<u8>,
) -> Result<String, SealError> {
    let out = aws
        .kms()
        .await
        .encrypt()
        .key_id(key_id)
        .plaintext(Blob::new(plaintext))
        .set_encryption_context(Some(context(pairs)))
        .send()
        .await
        .map_err(|e| SealError::Kms {
            operation: "Encrypt",
            error: e.into(),
        })?;
    let blob = out
        .ciphertext_blob
        .ok_or_else(|| SealError::Malformed("KMS Encrypt returned no ciphertext".into()))?;
    Ok(STANDARD.encode(blob.as_ref()))
}

/// Decrypts what [`seal`] produced, with the same encryption context.
pub async fn unseal(aws: &Aws, sealed: &str, pairs: &[(&str, &str)]) -> Result<Vec<u8>, SealError> {
    let blob = STANDARD
        .decode(sealed)
        .map_err(|e| SealError::Malformed(e.to_string()))?;
    let out = aws
        .kms()
        .await
        .decrypt()
        .ciphertext_blob(Blob::new(blob))
        .set_encryption_context(Some(context(pairs)))
        .send()
        .await
        .map_err(|e| SealError::Kms {
            operation: "Decrypt",
            error: e.into(),
        })?;
    out.plaintext
        .map(|p| p.into_inner())
        .ok_or_else(|| SealError::Malformed("KMS Decrypt returned no plaintext".into()))
}
