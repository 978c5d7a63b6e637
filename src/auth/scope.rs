//! OAuth scopes: what a token lets an app do.

use std::fmt;
use std::str::FromStr;

/// An OAuth scope, as listed in the `pinterest_oauth2` security scheme of
/// Pinterest's OpenAPI document (release 5.23.0).
///
/// Scopes that this release does not list parse into
/// [`Scope::Unrecognized`], so a token response with a newer scope still
/// decodes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Scope {
    /// `ads:read`
    AdsRead,
    /// `ads:write`
    AdsWrite,
    /// `billing:read`
    BillingRead,
    /// `billing:write`
    BillingWrite,
    /// `biz_access:read`
    BizAccessRead,
    /// `biz_access:write`
    BizAccessWrite,
    /// `boards:read`
    BoardsRead,
    /// `boards:read_secret`
    BoardsReadSecret,
    /// `boards:write`
    BoardsWrite,
    /// `boards:write_secret`
    BoardsWriteSecret,
    /// `catalogs:read`
    CatalogsRead,
    /// `catalogs:write`
    CatalogsWrite,
    /// `msot:write`
    MsotWrite,
    /// `pins:read`
    PinsRead,
    /// `pins:read_secret`
    PinsReadSecret,
    /// `pins:write`
    PinsWrite,
    /// `pins:write_secret`
    PinsWriteSecret,
    /// `user_accounts:read`
    UserAccountsRead,
    /// `user_accounts:write`
    UserAccountsWrite,
    /// A scope this release of the crate does not know, exactly as sent.
    Unrecognized(String),
}

impl Scope {
    /// Every scope the document lists, in its order.
    pub const ALL: [Scope; 19] = [
        Scope::AdsRead,
        Scope::AdsWrite,
        Scope::BillingRead,
        Scope::BillingWrite,
        Scope::BizAccessRead,
        Scope::BizAccessWrite,
        Scope::BoardsRead,
        Scope::BoardsReadSecret,
        Scope::BoardsWrite,
        Scope::BoardsWriteSecret,
        Scope::CatalogsRead,
        Scope::CatalogsWrite,
        Scope::MsotWrite,
        Scope::PinsRead,
        Scope::PinsReadSecret,
        Scope::PinsWrite,
        Scope::PinsWriteSecret,
        Scope::UserAccountsRead,
        Scope::UserAccountsWrite,
    ];

    /// The scope as Pinterest spells it, such as `boards:read`.
    pub fn as_str(&self) -> &str {
        match self {
            Scope::AdsRead => "ads:read",
            Scope::AdsWrite => "ads:write",
            Scope::BillingRead => "billing:read",
            Scope::BillingWrite => "billing:write",
            Scope::BizAccessRead => "biz_access:read",
            Scope::BizAccessWrite => "biz_access:write",
            Scope::BoardsRead => "boards:read",
            Scope::BoardsReadSecret => "boards:read_secret",
            Scope::BoardsWrite => "boards:write",
            Scope::BoardsWriteSecret => "boards:write_secret",
            Scope::CatalogsRead => "catalogs:read",
            Scope::CatalogsWrite => "catalogs:write",
            Scope::MsotWrite => "msot:write",
            Scope::PinsRead => "pins:read",
            Scope::PinsReadSecret => "pins:read_secret",
            Scope::PinsWrite => "pins:write",
            Scope::PinsWriteSecret => "pins:write_secret",
            Scope::UserAccountsRead => "user_accounts:read",
            Scope::UserAccountsWrite => "user_accounts:write",
            Scope::Unrecognized(scope) => scope,
        }
    }

    /// Joins scopes with commas, the form Pinterest expects in the `scope`
    /// parameter of the authorization URL and of token requests.
    pub fn join(scopes: &[Scope]) -> String {
        let names: Vec<&str> = scopes.iter().map(Scope::as_str).collect();
        names.join(",")
    }

    /// Splits a `scope` value from a token response. Pinterest separates
    /// scopes with commas; spaces, the separator RFC 6749 uses, are accepted
    /// too.
    pub fn split(scopes: &str) -> Vec<Scope> {
        scopes
            .split([',', ' '])
            .filter(|part| !part.is_empty())
            .map(Scope::from)
            .collect()
    }
}

impl From<&str> for Scope {
    fn from(value: &str) -> Self {
        Scope::ALL
            .iter()
            .find(|scope| scope.as_str() == value)
            .cloned()
            .unwrap_or_else(|| Scope::Unrecognized(value.to_owned()))
    }
}

impl FromStr for Scope {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Scope::from(value))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_round_trips() {
        for scope in Scope::ALL {
            assert_eq!(Scope::from(scope.as_str()), scope);
        }
    }

    #[test]
    fn join_uses_commas() {
        let joined = Scope::join(&[Scope::BoardsRead, Scope::PinsWriteSecret]);

        assert_eq!(joined, "boards:read,pins:write_secret");
    }

    #[test]
    fn split_accepts_commas_spaces_and_unknown() {
        let scopes = Scope::split("boards:read, pins:read future:scope");

        assert_eq!(
            scopes,
            vec![
                Scope::BoardsRead,
                Scope::PinsRead,
                Scope::Unrecognized("future:scope".to_owned())
            ]
        );
    }
}
