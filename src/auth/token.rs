//! The tokens an authorization produces, and how token responses decode.

use std::fmt;

use chrono::{DateTime, Duration, TimeZone, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::{AuthError, Scope};

/// The `token_type` Pinterest sends, and the default when a response omits
/// it (the `OauthAccessTokenResponse` schema's default).
const BEARER: &str = "bearer";

/// An access token with everything Pinterest sent about it, and the refresh
/// token that renews it.
///
/// It keeps every field of the `OauthAccessTokenResponse*` schemas:
/// `access_token`, `token_type`, `expires_in`, `scope`, `response_type`,
/// `refresh_token`, `refresh_token_expires_in` and
/// `refresh_token_expires_at`, plus the absolute expiry times computed when
/// the response arrived.
///
/// `Debug` shows no token. The serde form, which the token stores write,
/// contains both tokens in clear text: keep it where you would keep a
/// password.
#[derive(Clone)]
pub struct TokenSet {
    access_token: SecretString,
    token_type: String,
    expires_in: Option<i64>,
    expires_at: DateTime<Utc>,
    scope: String,
    response_type: Option<String>,
    refresh_token: Option<SecretString>,
    refresh_token_expires_in: Option<i64>,
    refresh_token_expires_at: Option<DateTime<Utc>>,
}

impl TokenSet {
    /// A token set for an access token that expires at `expires_at`, with no
    /// refresh token. For tokens obtained outside this crate; tokens from
    /// [`OAuthClient`](super::OAuthClient) calls carry every field already.
    pub fn new(access_token: impl Into<String>, expires_at: DateTime<Utc>) -> Self {
        TokenSet {
            access_token: SecretString::from(access_token.into()),
            token_type: BEARER.to_owned(),
            expires_in: None,
            expires_at,
            scope: String::new(),
            response_type: None,
            refresh_token: None,
            refresh_token_expires_in: None,
            refresh_token_expires_at: None,
        }
    }

    /// Adds the refresh token and, if known, when it expires.
    pub fn with_refresh_token(
        mut self,
        refresh_token: impl Into<String>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Self {
        self.refresh_token = Some(SecretString::from(refresh_token.into()));
        self.refresh_token_expires_at = expires_at;
        self
    }

    /// Sets the scopes the tokens were granted.
    pub fn with_scopes(mut self, scopes: &[Scope]) -> Self {
        self.scope = Scope::join(scopes);
        self
    }

    /// The access token.
    pub fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// `token_type` as sent, normally `bearer`.
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// `expires_in` in seconds as last sent, or `None` for a token set built
    /// with [`TokenSet::new`].
    pub fn expires_in(&self) -> Option<i64> {
        self.expires_in
    }

    /// When the access token expires.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// Whether the access token has expired at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// `scope` as sent: the granted scopes, separated by commas.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The granted scopes.
    pub fn scopes(&self) -> Vec<Scope> {
        Scope::split(&self.scope)
    }

    /// `response_type` as sent: `authorization_code`, `refresh_token`,
    /// `client_credentials`, or a newer value.
    pub fn response_type(&self) -> Option<&str> {
        self.response_type.as_deref()
    }

    /// The refresh token, if there is one.
    pub fn refresh_token(&self) -> Option<&SecretString> {
        self.refresh_token.as_ref()
    }

    /// `refresh_token_expires_in` in seconds, as sent with the current
    /// refresh token.
    pub fn refresh_token_expires_in(&self) -> Option<i64> {
        self.refresh_token_expires_in
    }

    /// When the refresh token expires: `refresh_token_expires_at` as sent, or
    /// computed from `refresh_token_expires_in` when only that was sent.
    pub fn refresh_token_expires_at(&self) -> Option<DateTime<Utc>> {
        self.refresh_token_expires_at
    }

    /// Decodes a successful token endpoint response received at `now`.
    ///
    /// Decoding errors name the field but never echo a value, because the
    /// values are tokens.
    pub(crate) fn from_response(body: &[u8], now: DateTime<Utc>) -> Result<TokenSet, AuthError> {
        let value: Value = serde_json::from_slice(body).map_err(|error| {
            AuthError::InvalidResponse(format!(
                "the body is not JSON (line {}, column {})",
                error.line(),
                error.column()
            ))
        })?;
        let Value::Object(fields) = value else {
            return Err(AuthError::InvalidResponse(
                "the body is not a JSON object".to_owned(),
            ));
        };

        let access_token = required_string(&fields, "access_token")?;
        let expires_in = required_integer(&fields, "expires_in")?;
        let refresh_token = optional_string(&fields, "refresh_token")?;
        let refresh_token_expires_in = optional_integer(&fields, "refresh_token_expires_in")?;
        let refresh_token_expires_at = match optional_integer(&fields, "refresh_token_expires_at")?
        {
            Some(seconds) => Some(unix_time(seconds, "refresh_token_expires_at")?),
            None => refresh_token_expires_in.map(|seconds| now + Duration::seconds(seconds)),
        };

        Ok(TokenSet {
            access_token: SecretString::from(access_token),
            token_type: optional_string(&fields, "token_type")?
                .unwrap_or_else(|| BEARER.to_owned()),
            expires_in: Some(expires_in),
            expires_at: now + Duration::seconds(expires_in),
            scope: optional_string(&fields, "scope")?.unwrap_or_default(),
            response_type: optional_string(&fields, "response_type")?,
            refresh_token: refresh_token.map(SecretString::from),
            refresh_token_expires_in,
            refresh_token_expires_at,
        })
    }

    /// Merges the result of a refresh into this set. A new refresh token
    /// replaces the old one with its expiry. When the response carries none,
    /// the old refresh token and its expiry stay.
    pub(crate) fn merge_refresh(&self, mut refreshed: TokenSet) -> TokenSet {
        if refreshed.refresh_token.is_none() {
            refreshed.refresh_token = self.refresh_token.clone();
            refreshed.refresh_token_expires_in = self.refresh_token_expires_in;
            refreshed.refresh_token_expires_at = self.refresh_token_expires_at;
        }
        if refreshed.scope.is_empty() {
            refreshed.scope = self.scope.clone();
        }
        refreshed
    }

    /// Whether `token` is this set's access token.
    pub(crate) fn has_access_token(&self, token: &str) -> bool {
        self.access_token.expose_secret() == token
    }

    /// Marks the access token as expired at `now`, after Pinterest rejected
    /// it.
    pub(crate) fn expire_access_token(&mut self, now: DateTime<Utc>) {
        self.expires_at = self.expires_at.min(now);
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"[redacted]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .field("response_type", &self.response_type)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("refresh_token_expires_in", &self.refresh_token_expires_in)
            .field("refresh_token_expires_at", &self.refresh_token_expires_at)
            .finish()
    }
}

fn field_error(name: &str, expected: &str) -> AuthError {
    AuthError::InvalidResponse(format!("field `{name}` is {expected}"))
}

fn required_string(fields: &Map<String, Value>, name: &str) -> Result<String, AuthError> {
    optional_string(fields, name)?.ok_or_else(|| field_error(name, "missing"))
}

fn optional_string(fields: &Map<String, Value>, name: &str) -> Result<Option<String>, AuthError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(field_error(name, "not a string")),
    }
}

fn required_integer(fields: &Map<String, Value>, name: &str) -> Result<i64, AuthError> {
    optional_integer(fields, name)?.ok_or_else(|| field_error(name, "missing"))
}

fn optional_integer(fields: &Map<String, Value>, name: &str) -> Result<Option<i64>, AuthError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => number
            .as_i64()
            .map(Some)
            .ok_or_else(|| field_error(name, "not an integer")),
        Some(_) => Err(field_error(name, "not an integer")),
    }
}

fn unix_time(seconds: i64, name: &str) -> Result<DateTime<Utc>, AuthError> {
    Utc.timestamp_opt(seconds, 0)
        .single()
        .ok_or_else(|| field_error(name, "out of range for a Unix time"))
}

/// The serde form of [`TokenSet`], with the secrets exposed. Private, so the
/// only way to it is serializing a whole `TokenSet` on purpose.
#[derive(Serialize, Deserialize)]
struct StoredTokenSet {
    access_token: String,
    #[serde(default = "bearer")]
    token_type: String,
    #[serde(default)]
    expires_in: Option<i64>,
    expires_at: DateTime<Utc>,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    response_type: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    refresh_token_expires_in: Option<i64>,
    #[serde(default)]
    refresh_token_expires_at: Option<DateTime<Utc>>,
}

fn bearer() -> String {
    BEARER.to_owned()
}

impl Serialize for TokenSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredTokenSet {
            access_token: self.access_token.expose_secret().to_owned(),
            token_type: self.token_type.clone(),
            expires_in: self.expires_in,
            expires_at: self.expires_at,
            scope: self.scope.clone(),
            response_type: self.response_type.clone(),
            refresh_token: self
                .refresh_token
                .as_ref()
                .map(|token| token.expose_secret().to_owned()),
            refresh_token_expires_in: self.refresh_token_expires_in,
            refresh_token_expires_at: self.refresh_token_expires_at,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for TokenSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = StoredTokenSet::deserialize(deserializer)?;
        Ok(TokenSet {
            access_token: SecretString::from(stored.access_token),
            token_type: stored.token_type,
            expires_in: stored.expires_in,
            expires_at: stored.expires_at,
            scope: stored.scope,
            response_type: stored.response_type,
            refresh_token: stored.refresh_token.map(SecretString::from),
            refresh_token_expires_in: stored.refresh_token_expires_in,
            refresh_token_expires_at: stored.refresh_token_expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 10, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn code_response_keeps_every_field() {
        let body = br#"{
            "access_token": "pina_ACCESS",
            "token_type": "bearer",
            "expires_in": 2592000,
            "scope": "boards:read,pins:read",
            "response_type": "authorization_code",
            "refresh_token": "pinr_REFRESH",
            "refresh_token_expires_in": 5184000,
            "refresh_token_expires_at": 1764590400
        }"#;

        let tokens = TokenSet::from_response(body, now()).unwrap();

        assert_eq!(tokens.access_token().expose_secret(), "pina_ACCESS");
        assert_eq!(tokens.token_type(), "bearer");
        assert_eq!(tokens.expires_in(), Some(2_592_000));
        assert_eq!(tokens.expires_at(), now() + Duration::days(30));
        assert_eq!(tokens.scopes(), vec![Scope::BoardsRead, Scope::PinsRead]);
        assert_eq!(tokens.response_type(), Some("authorization_code"));
        assert_eq!(
            tokens.refresh_token().map(|t| t.expose_secret()),
            Some("pinr_REFRESH")
        );
        assert_eq!(tokens.refresh_token_expires_in(), Some(5_184_000));
        assert_eq!(
            tokens.refresh_token_expires_at(),
            Some(Utc.timestamp_opt(1_764_590_400, 0).unwrap())
        );
    }

    #[test]
    fn refresh_expiry_computed_from_expires_in() {
        let body = br#"{"access_token": "a", "expires_in": 60, "scope": "",
            "refresh_token": "r", "refresh_token_expires_in": 120}"#;

        let tokens = TokenSet::from_response(body, now()).unwrap();

        assert_eq!(
            tokens.refresh_token_expires_at(),
            Some(now() + Duration::seconds(120))
        );
        assert_eq!(tokens.token_type(), "bearer");
    }

    #[test]
    fn decode_error_names_field_not_value() {
        let body = br#"{"access_token": "pina_SECRET", "expires_in": "pina_SECRET"}"#;

        let error = TokenSet::from_response(body, now()).unwrap_err();

        assert!(matches!(error, AuthError::InvalidResponse(_)));
        assert!(error.to_string().contains("expires_in"), "{error}");
        assert!(!error.to_string().contains("SECRET"), "{error}");
    }

    #[test]
    fn merge_without_new_refresh_token_keeps_old() {
        let expiry = now() + Duration::days(60);
        let old =
            TokenSet::new("old-access", now()).with_refresh_token("old-refresh", Some(expiry));
        let refreshed = TokenSet::new("new-access", now() + Duration::days(30));

        let merged = old.merge_refresh(refreshed);

        assert_eq!(merged.access_token().expose_secret(), "new-access");
        assert_eq!(
            merged.refresh_token().map(|t| t.expose_secret()),
            Some("old-refresh")
        );
        assert_eq!(merged.refresh_token_expires_at(), Some(expiry));
    }

    #[test]
    fn merge_with_new_refresh_token_replaces_old() {
        let old = TokenSet::new("old-access", now()).with_refresh_token("old-refresh", None);
        let refreshed = TokenSet::new("new-access", now()).with_refresh_token("new-refresh", None);

        let merged = old.merge_refresh(refreshed);

        assert_eq!(
            merged.refresh_token().map(|t| t.expose_secret()),
            Some("new-refresh")
        );
    }

    #[test]
    fn serde_round_trip_and_debug_redacts() {
        let tokens = TokenSet::new("pina_SECRET", now())
            .with_refresh_token("pinr_SECRET", Some(now()))
            .with_scopes(&[Scope::PinsRead]);

        let json = serde_json::to_string(&tokens).unwrap();
        let back: TokenSet = serde_json::from_str(&json).unwrap();
        let printed = format!("{back:?}");

        assert_eq!(back.access_token().expose_secret(), "pina_SECRET");
        assert_eq!(back.scope(), "pins:read");
        assert!(!printed.contains("SECRET"), "{printed}");
    }
}
