//! API areas: groups of the document's tags that the crate's cargo features
//! select.
//!
//! Each tag belongs to exactly one area, and an operation belongs to the area
//! of its tags. The table below is the one place that assigns tags, so a tag
//! that a new upstream release adds stops generation until someone places it.

use std::collections::BTreeSet;
use std::fmt;

use crate::inventory::OperationFacts;

/// A group of the document's tags behind one cargo feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    /// The cargo feature that selects the area.
    pub feature: &'static str,
    /// Whether the crate's default feature set includes the area.
    pub default: bool,
    /// The document's tags in this area.
    pub tags: &'static [&'static str],
    /// A one-line description of the area, for the README and crate docs.
    pub summary: &'static str,
}

impl Area {
    /// Returns the environment variable that cargo sets for a build script
    /// when the area's feature is enabled, for example
    /// `CARGO_FEATURE_BUSINESS_ACCESS`.
    pub fn cargo_env(&self) -> String {
        format!(
            "CARGO_FEATURE_{}",
            self.feature.to_ascii_uppercase().replace('-', "_")
        )
    }
}

/// The feature that enables every area.
pub const FULL_FEATURE: &str = "full";

/// Every area, in the order the report and docs list them.
pub const AREAS: &[Area] = &[
    Area {
        feature: "content",
        default: true,
        tags: &["user_account", "boards", "pins", "media", "search"],
        summary: "organic content: the user account and its analytics, boards, Pins, media uploads, search",
    },
    Area {
        feature: "ads",
        default: false,
        tags: &[
            "ad_accounts",
            "campaigns",
            "ad_groups",
            "ads",
            "promotions",
            "product_group_promotions",
            "keywords",
            "targeting_template",
            "labels",
            "bulk",
            "resources",
            "terms",
            "terms_of_service",
            "advanced_auction",
        ],
        summary: "ad accounts, campaigns, ad groups, ads and their analytics and reports, keywords, targeting, bulk requests",
    },
    Area {
        feature: "billing",
        default: false,
        tags: &["billing", "order_lines"],
        summary: "billing profiles, invoices, ads credits, insertion orders and order lines",
    },
    Area {
        feature: "audiences",
        default: false,
        tags: &[
            "audiences",
            "audience_sharing",
            "audience_insights",
            "customer_lists",
            "customer_list_uploads",
        ],
        summary: "audiences, audience sharing and insights, customer lists",
    },
    Area {
        feature: "conversions",
        default: false,
        tags: &[
            "conversion_events",
            "conversion_tags",
            "conversions",
            "conversion_eqs",
            "msot_events",
        ],
        summary: "conversion events and tags",
    },
    Area {
        feature: "leads",
        default: false,
        tags: &["lead_ads", "lead_forms", "leads_export"],
        summary: "lead forms, lead ads subscriptions and lead exports",
    },
    Area {
        feature: "catalogs",
        default: false,
        tags: &[
            "catalogs",
            "catalog_feeds",
            "catalog_items",
            "catalog_product_groups",
            "catalog_reports",
        ],
        summary: "catalogs, feeds, items, product groups and catalog reports",
    },
    Area {
        feature: "business-access",
        default: false,
        tags: &[
            "business_access_assets",
            "business_access_invite",
            "business_access_relationships",
        ],
        summary: "business assets, members, partners and invites",
    },
    Area {
        feature: "trends",
        default: false,
        tags: &["product_categories"],
        summary: "trending topics and product categories",
    },
    Area {
        feature: "integrations",
        default: false,
        tags: &["integrations", "notification"],
        summary: "commerce integrations, integration logs and partner notifications",
    },
    Area {
        feature: "oauth",
        default: false,
        tags: &["oauth"],
        summary: "the generated token operations; `auth::OAuthClient` covers the OAuth flows without this feature",
    },
];

/// An operation whose tags the [`AREAS`] table does not place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnplacedOperation {
    /// `operationId` as the document spells it.
    pub operation_id: String,
    /// The operation's tags, none of which an area lists (may be empty).
    pub tags: Vec<String>,
}

impl fmt::Display for UnplacedOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "operation `{}` has tags {:?}, none of which belongs to an API area; \
             add the tag to an area in `AREAS` in codegen/src/areas.rs",
            self.operation_id, self.tags
        )
    }
}

impl std::error::Error for UnplacedOperation {}

/// Finds the area that lists `tag`.
pub fn area_of_tag(tag: &str) -> Option<&'static Area> {
    AREAS.iter().find(|area| area.tags.contains(&tag))
}

/// Lists the areas that an operation with these tags belongs to.
pub fn areas_of_tags(tags: &[String]) -> Vec<&'static Area> {
    let mut areas: Vec<&'static Area> = Vec::new();
    for area in tags.iter().filter_map(|tag| area_of_tag(tag)) {
        if !areas.contains(&area) {
            areas.push(area);
        }
    }
    areas
}

/// Checks that every operation belongs to at least one area.
pub fn check_placed(facts: &[OperationFacts]) -> Result<(), UnplacedOperation> {
    match facts
        .iter()
        .find(|fact| areas_of_tags(&fact.tags).is_empty())
    {
        Some(fact) => Err(UnplacedOperation {
            operation_id: fact.operation_id.clone(),
            tags: fact.tags.clone(),
        }),
        None => Ok(()),
    }
}

/// The areas to generate, by feature name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    features: BTreeSet<&'static str>,
}

/// A feature name that no area has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownArea(pub String);

impl fmt::Display for UnknownArea {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = AREAS.iter().map(|area| area.feature).collect();
        write!(
            f,
            "unknown API area `{}`; the areas are {} and `{FULL_FEATURE}`",
            self.0,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownArea {}

impl Selection {
    /// Selects every area, as the `full` feature does.
    pub fn all() -> Selection {
        Selection {
            features: AREAS.iter().map(|area| area.feature).collect(),
        }
    }

    /// Selects the areas in the crate's default feature set.
    pub fn defaults() -> Selection {
        Selection {
            features: AREAS
                .iter()
                .filter(|area| area.default)
                .map(|area| area.feature)
                .collect(),
        }
    }

    /// Selects the named areas. `full` selects all of them.
    pub fn of<'a>(features: impl IntoIterator<Item = &'a str>) -> Result<Selection, UnknownArea> {
        let mut selection = Selection {
            features: BTreeSet::new(),
        };
        for name in features {
            if name == FULL_FEATURE {
                return Ok(Selection::all());
            }
            let area = AREAS
                .iter()
                .find(|area| area.feature == name)
                .ok_or_else(|| UnknownArea(name.to_owned()))?;
            selection.features.insert(area.feature);
        }
        Ok(selection)
    }

    /// Selects the areas whose feature is enabled, read from the
    /// environment of a build script. `is_set` reports whether an
    /// environment variable is set.
    pub fn from_cargo_features(is_set: impl Fn(&str) -> bool) -> Selection {
        Selection {
            features: AREAS
                .iter()
                .filter(|area| is_set(&area.cargo_env()))
                .map(|area| area.feature)
                .collect(),
        }
    }

    /// Checks whether every area is selected.
    pub fn is_all(&self) -> bool {
        self.features.len() == AREAS.len()
    }

    /// Lists the selected areas, in [`AREAS`] order.
    pub fn areas(&self) -> impl Iterator<Item = &'static Area> + '_ {
        AREAS
            .iter()
            .filter(|area| self.features.contains(area.feature))
    }

    /// Checks whether an operation with these tags is generated.
    pub fn includes(&self, tags: &[String]) -> bool {
        areas_of_tags(tags)
            .iter()
            .any(|area| self.features.contains(area.feature))
    }
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str(FULL_FEATURE);
        }
        let names: Vec<&str> = self.areas().map(|area| area.feature).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tag_in_one_area() {
        let mut seen = BTreeSet::new();
        for tag in AREAS.iter().flat_map(|area| area.tags) {
            assert!(seen.insert(*tag), "tag `{tag}` is listed in two areas");
        }
    }

    #[test]
    fn defaults_are_content() {
        let names: Vec<&str> = Selection::defaults()
            .areas()
            .map(|area| area.feature)
            .collect();
        assert_eq!(names, ["content"]);
    }

    #[test]
    fn full_selects_every_area() {
        let full = Selection::of(["full"]).unwrap();
        assert!(full.is_all());
        assert_eq!(full, Selection::all());
        assert_eq!(full.to_string(), "full");
    }

    #[test]
    fn unknown_area_rejected() {
        let error = Selection::of(["ads", "shopping"]).unwrap_err();
        assert_eq!(error, UnknownArea("shopping".to_owned()));
        assert!(error.to_string().contains("business-access"));
    }

    #[test]
    fn cargo_env_names() {
        let names: Vec<String> = AREAS.iter().map(Area::cargo_env).collect();
        assert!(names.contains(&"CARGO_FEATURE_BUSINESS_ACCESS".to_owned()));

        let selection = Selection::from_cargo_features(|name| {
            name == "CARGO_FEATURE_ADS" || name == "CARGO_FEATURE_BUSINESS_ACCESS"
        });
        assert_eq!(selection.to_string(), "ads,business-access");
    }

    #[test]
    fn operation_selected_by_tag() {
        let ads = Selection::of(["ads"]).unwrap();
        assert!(ads.includes(&["campaigns".to_owned()]));
        assert!(!ads.includes(&["boards".to_owned()]));
        assert!(!ads.includes(&["no_such_tag".to_owned()]));
    }

    #[test]
    fn unplaced_tag_named() {
        let error = UnplacedOperation {
            operation_id: "things/list".to_owned(),
            tags: vec!["things".to_owned()],
        };
        let message = error.to_string();
        assert!(message.contains("things/list"), "{message}");
        assert!(message.contains("codegen/src/areas.rs"), "{message}");
    }
}
