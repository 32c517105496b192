//! `GET /offers/v1/downloads/{token}`: where a pre-signed URL leads. The token is the only
//! credential (as with an S3 pre-signed URL); it is checked, and the file is looked up again,
//! so a URL stops working when it expires or its file is no longer the issuee's.

use crate::edge::error::ApiError;
use crate::infra::app::App;
use crate::infra::presign::DownloadKind;
use crate::kernel::ids::{FileId, FormSubmissionFieldId};

/// The file's location, for a valid token.
pub async fn resolve(app: &App, token: &str) -> Result<String, ApiError> {
    let claims = app.downloads.verify(&app.aws, token).await?;
    let object = claims
        .object(claims.kind)
        .ok_or_else(|| ApiError::forbidden("The download URL is not valid"))?;
    let gone = || ApiError::not_found("File");
    match claims.kind {
        DownloadKind::MessageFile => {
            let m = app
                .db
                .message_of_file(FileId(object))
                .await?
                .filter(|m| m.demand_org_id == claims.org || m.supply_org_id == claims.org)
                .ok_or_else(gone)?;
            m.file.map(|f| f.url).ok_or_else(gone)
        }
        DownloadKind::FormAttachment => app
            .db
            .get_form_attachment(FormSubmissionFieldId(object))
            .await?
            .filter(|a| a.demand_org_id == claims.org)
            .map(|a| a.url)
            .ok_or_else(gone),
    }
}
