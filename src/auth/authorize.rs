//! The browser half of the authorization code flow: the authorization URL
//! and the callback that Pinterest redirects the user to.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::header::HeaderValue;
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

use super::{AuthError, Scope};

/// Pinterest's authorization page, from the `pinterest_oauth2` security
/// scheme of the OpenAPI document.
pub const PINTEREST_AUTHORIZE_URL: &str = "https://www.pinterest.com/oauth/";

/// Random bytes in a `state` value: 256 bits, far beyond guessing.
const STATE_BYTES: usize = 32;

/// An app's OAuth credentials: the app id (client id) and app secret.
#[derive(Clone)]
pub struct AppCredentials {
    client_id: String,
    client_secret: SecretString,
}

impl AppCredentials {
    /// Credentials from the app id and secret shown in Pinterest's developer
    /// portal.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        AppCredentials {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        }
    }

    /// The app id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// `Basic base64(client_id:client_secret)`, marked sensitive so HTTP
    /// logging leaves it out.
    pub(crate) fn basic_authorization(&self) -> Result<HeaderValue, AuthError> {
        let pair = format!("{}:{}", self.client_id, self.client_secret.expose_secret());
        let mut value = HeaderValue::from_str(&format!("Basic {}", base64_standard(&pair)))
            .map_err(|_| {
                AuthError::InvalidConfig(
                    "the client id contains characters not allowed in an HTTP header".to_owned(),
                )
            })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

fn base64_standard(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

/// An authorization in progress: the URL to send the user to, and the
/// `state` and redirect URI that the callback must match.
///
/// Keep it (for example in the user's session) until the callback arrives,
/// then call [`PendingAuthorization::verify_callback`].
#[derive(Clone)]
pub struct PendingAuthorization {
    url: Url,
    state: String,
    redirect_uri: String,
}

impl PendingAuthorization {
    /// Builds the authorization URL with `response_type=code`, the client id,
    /// the redirect URI, the scopes joined with commas and a fresh random
    /// `state`.
    pub(crate) fn new(
        authorize_url: &Url,
        client_id: &str,
        redirect_uri: &str,
        scopes: &[Scope],
    ) -> Result<Self, AuthError> {
        let redirect = Url::parse(redirect_uri).map_err(|error| {
            AuthError::InvalidConfig(format!(
                "redirect URI `{redirect_uri}` is not an absolute URL: {error}"
            ))
        })?;
        if !matches!(redirect.scheme(), "http" | "https") {
            return Err(AuthError::InvalidConfig(format!(
                "redirect URI `{redirect_uri}` is not http or https"
            )));
        }
        if scopes.is_empty() {
            return Err(AuthError::InvalidConfig(
                "no scopes requested; pass at least one Scope".to_owned(),
            ));
        }

        let state = random_state();
        let mut url = authorize_url.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &Scope::join(scopes))
            .append_pair("state", &state);

        Ok(PendingAuthorization {
            url,
            state,
            redirect_uri: redirect_uri.to_owned(),
        })
    }

    /// The URL to open in the user's browser.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The random `state` sent with the URL.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The redirect URI sent with the URL.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Checks the callback Pinterest redirected the user to and returns the
    /// authorization code.
    ///
    /// `callback` is the full callback URL, the request target
    /// (`/callback?code=…&state=…`) or just its query string. The `state`
    /// must match before anything else is read, so a forged callback cannot
    /// even report an error. Then an `error` parameter becomes
    /// [`AuthError::AuthorizationDenied`], and a missing `code` becomes
    /// [`AuthError::InvalidCallback`].
    pub fn verify_callback(&self, callback: &str) -> Result<AuthorizationCode, AuthError> {
        let query = callback_query(callback)?;
        let mut state = None;
        let mut code = None;
        let mut error = None;
        let mut description = None;
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "state" => state = Some(value.into_owned()),
                "code" => code = Some(value.into_owned()),
                "error" => error = Some(value.into_owned()),
                "error_description" => description = Some(value.into_owned()),
                _ => {}
            }
        }

        let state_matches = state
            .as_deref()
            .is_some_and(|state| constant_time_eq(state.as_bytes(), self.state.as_bytes()));
        if !state_matches {
            return Err(AuthError::StateMismatch);
        }
        if let Some(error) = error {
            return Err(AuthError::AuthorizationDenied { error, description });
        }
        let code = code.filter(|code| !code.is_empty()).ok_or_else(|| {
            AuthError::InvalidCallback("the callback has no `code` parameter".to_owned())
        })?;

        Ok(AuthorizationCode {
            code: SecretString::from(code),
            redirect_uri: self.redirect_uri.clone(),
        })
    }
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("redirect_uri", &self.redirect_uri)
            .field("state", &"[redacted]")
            .finish()
    }
}

/// An authorization code from a verified callback, bound to the redirect URI
/// it was issued for, which the code exchange must send again.
#[derive(Clone)]
pub struct AuthorizationCode {
    code: SecretString,
    redirect_uri: String,
}

impl AuthorizationCode {
    /// A code obtained outside [`PendingAuthorization::verify_callback`],
    /// with the redirect URI of its authorization URL.
    pub fn new(code: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        AuthorizationCode {
            code: SecretString::from(code.into()),
            redirect_uri: redirect_uri.into(),
        }
    }

    /// The code.
    pub fn code(&self) -> &SecretString {
        &self.code
    }

    /// The redirect URI the code was issued for.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }
}

impl fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationCode")
            .field("code", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

fn random_state() -> String {
    let mut bytes = [0u8; STATE_BYTES];
    rand::fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The query string of a callback given as a URL, a request target or a
/// bare query.
fn callback_query(callback: &str) -> Result<String, AuthError> {
    let callback = callback.trim();
    if callback.contains("://") {
        let url = Url::parse(callback).map_err(|error| {
            AuthError::InvalidCallback(format!("the callback is not a valid URL: {error}"))
        })?;
        return Ok(url.query().unwrap_or_default().to_owned());
    }
    let query = match callback.split_once('?') {
        Some((_, query)) => query,
        None => callback,
    };
    Ok(query.split('#').next().unwrap_or_default().to_owned())
}

/// Compares without returning early, so timing reveals nothing about how
/// much of a guessed `state` was right.
fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    left.iter()
        .zip(right)
        .fold(0u8, |difference, (a, b)| difference | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending() -> PendingAuthorization {
        let authorize = Url::parse(PINTEREST_AUTHORIZE_URL).unwrap();
        PendingAuthorization::new(
            &authorize,
            "1234",
            "http://127.0.0.1:8085/callback",
            &[Scope::BoardsRead, Scope::PinsRead],
        )
        .unwrap()
    }

    #[test]
    fn url_has_every_parameter() {
        let pending = pending();
        let url = pending.url();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();

        assert_eq!(url.host_str(), Some("www.pinterest.com"));
        assert_eq!(url.path(), "/oauth/");
        let names: Vec<&str> = pairs.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state"
            ]
        );
        assert_eq!(pairs[0].1, "code");
        assert_eq!(pairs[1].1, "1234");
        assert_eq!(pairs[2].1, "http://127.0.0.1:8085/callback");
        assert_eq!(pairs[3].1, "boards:read,pins:read");
        assert_eq!(pairs[4].1, pending.state());
    }

    #[test]
    fn state_random_and_long() {
        let first = pending();
        let second = pending();

        assert_eq!(first.state().len(), 43);
        assert_ne!(first.state(), second.state());
    }

    #[test]
    fn callback_forms_accepted() {
        let pending = pending();
        let state = pending.state().to_owned();
        let forms = [
            format!("http://127.0.0.1:8085/callback?code=abc&state={state}"),
            format!("/callback?state={state}&code=abc"),
            format!("code=abc&state={state}"),
        ];

        for form in forms {
            let code = pending.verify_callback(&form).unwrap();

            assert_eq!(code.code().expose_secret(), "abc", "{form}");
            assert_eq!(code.redirect_uri(), "http://127.0.0.1:8085/callback");
        }
    }

    #[test]
    fn callback_wrong_state_rejected() {
        let pending = pending();

        let wrong = pending
            .verify_callback("code=abc&state=forged")
            .unwrap_err();
        let missing = pending.verify_callback("code=abc").unwrap_err();

        assert!(matches!(wrong, AuthError::StateMismatch));
        assert!(matches!(missing, AuthError::StateMismatch));
    }

    #[test]
    fn callback_error_reported() {
        let pending = pending();
        let callback = format!(
            "error=access_denied&error_description=User+declined&state={}",
            pending.state()
        );

        let error = pending.verify_callback(&callback).unwrap_err();

        let AuthError::AuthorizationDenied { error, description } = &error else {
            panic!("expected AuthorizationDenied, got {error:?}");
        };
        assert_eq!(error, "access_denied");
        assert_eq!(description.as_deref(), Some("User declined"));
    }

    #[test]
    fn callback_without_code_rejected() {
        let pending = pending();

        let error = pending
            .verify_callback(&format!("state={}", pending.state()))
            .unwrap_err();

        assert!(matches!(error, AuthError::InvalidCallback(_)), "{error}");
    }

    #[test]
    fn relative_redirect_uri_rejected() {
        let authorize = Url::parse(PINTEREST_AUTHORIZE_URL).unwrap();

        let error = PendingAuthorization::new(&authorize, "1", "/callback", &[Scope::PinsRead])
            .unwrap_err();

        assert!(matches!(error, AuthError::InvalidConfig(_)), "{error}");
    }

    #[test]
    fn basic_header_encodes_id_and_secret() {
        let credentials = AppCredentials::new("1234", "s3cret");

        let header = credentials.basic_authorization().unwrap();

        assert_eq!(header.to_str().unwrap(), "Basic MTIzNDpzM2NyZXQ=");
        assert!(header.is_sensitive());
        assert!(!format!("{credentials:?}").contains("s3cret"));
    }
}
