//! Following the expiring download URLs the API hands out, as a browser would, but showing
//! the redirect to the file instead of following it.

/// A client that shows redirects instead of following them.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Follows a download URL once: `(status, Location)`.
pub async fn download(url: &str) -> (u16, Option<String>) {
    redirect(no_redirects().get(url)).await
}

/// Sends `request` (made with [`no_redirects`]): `(status, Location)`.
pub async fn redirect(request: reqwest::RequestBuilder) -> (u16, Option<String>) {
    let r = request.send().await.unwrap();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (r.status().as_u16(), location)
}

/// A download URL with its signature broken (the last character of the token changed).
pub fn tampered(url: &str) -> String {
    let mut s = url.to_owned();
    let last = s.pop().unwrap();
    s.push(if last == 'A' { 'B' } else { 'A' });
    s
}
