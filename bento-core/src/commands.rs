//! Subscriber commands: `POST /fetch/commands`.
//!
//! Commands are queued and applied asynchronously; the API answers with the number queued,
//! not the updated subscriber. They do not trigger automations (except `add_tag_via_event`).
//!
//! [`CommandData`] is the guide's struct with a string `query`. [`Command`] is the typed form;
//! `add_field` needs it, because its query is a `{key, value}` object:
//!
//! ```
//! use bento_core::{Command, CommandData, CommandType};
//! let typed = Command::AddField { email: "u@x.io".into(), key: "plan".into(), value: "pro".into() };
//! let guide = CommandData { command: CommandType::AddTag, email: "u@x.io".into(), query: "vip".into() };
//! # let _ = (typed, guide);
//! ```

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::Value;

use crate::error::Error;
use crate::model::BatchResult;
use crate::operation::{RequestSpec, decode_json};
use crate::validate::{self, Item, limits};

/// The command names of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CommandType {
    /// Adds a tag (query: tag name). No automations.
    AddTag,
    /// Adds a tag through an event (query: tag name). Triggers automations.
    AddTagViaEvent,
    /// Removes a tag (query: tag name).
    RemoveTag,
    /// Sets a field (query: `{key, value}`; see [`Command::AddField`]).
    AddField,
    /// Removes a field (query: field key).
    RemoveField,
    /// Subscribes (no query).
    Subscribe,
    /// Unsubscribes (no query).
    Unsubscribe,
    /// Changes the email address (query: the new address).
    ChangeEmail,
}

/// A command as the guide writes it. For `add_field`, `query` must be a JSON object
/// `{"key": .., "value": ..}`; prefer [`Command::AddField`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandData {
    /// What to do.
    pub command: CommandType,
    /// The subscriber.
    pub email: String,
    /// The argument (empty for subscribe/unsubscribe).
    pub query: String,
}

/// A typed subscriber command.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Command {
    /// `add_tag`.
    AddTag {
        /// The subscriber.
        email: String,
        /// The tag name.
        tag: String,
    },
    /// `add_tag_via_event` (triggers automations).
    AddTagViaEvent {
        /// The subscriber.
        email: String,
        /// The tag name.
        tag: String,
    },
    /// `remove_tag`.
    RemoveTag {
        /// The subscriber.
        email: String,
        /// The tag name.
        tag: String,
    },
    /// `add_field` with query `{key, value}`.
    AddField {
        /// The subscriber.
        email: String,
        /// The field key.
        key: String,
        /// Any JSON value.
        value: Value,
    },
    /// `remove_field`.
    RemoveField {
        /// The subscriber.
        email: String,
        /// The field key.
        key: String,
    },
    /// `subscribe`.
    Subscribe {
        /// The subscriber.
        email: String,
    },
    /// `unsubscribe`.
    Unsubscribe {
        /// The subscriber.
        email: String,
    },
    /// `change_email`.
    ChangeEmail {
        /// The current address.
        email: String,
        /// The new address.
        new_email: String,
    },
}

impl Command {
    /// The command's type.
    pub fn command_type(&self) -> CommandType {
        match self {
            Command::AddTag { .. } => CommandType::AddTag,
            Command::AddTagViaEvent { .. } => CommandType::AddTagViaEvent,
            Command::RemoveTag { .. } => CommandType::RemoveTag,
            Command::AddField { .. } => CommandType::AddField,
            Command::RemoveField { .. } => CommandType::RemoveField,
            Command::Subscribe { .. } => CommandType::Subscribe,
            Command::Unsubscribe { .. } => CommandType::Unsubscribe,
            Command::ChangeEmail { .. } => CommandType::ChangeEmail,
        }
    }

    /// The subscriber the command targets.
    pub fn email(&self) -> &str {
        match self {
            Command::AddTag { email, .. }
            | Command::AddTagViaEvent { email, .. }
            | Command::RemoveTag { email, .. }
            | Command::AddField { email, .. }
            | Command::RemoveField { email, .. }
            | Command::Subscribe { email }
            | Command::Unsubscribe { email }
            | Command::ChangeEmail { email, .. } => email,
        }
    }

    fn validate(&self, field: Item<'_>) -> Result<(), Error> {
        validate::email(field.at("email"), self.email())?;
        let query = field.at("query");
        match self {
            Command::AddTag { tag, .. }
            | Command::AddTagViaEvent { tag, .. }
            | Command::RemoveTag { tag, .. } => validate::not_blank(query, tag),
            Command::AddField { key, .. } | Command::RemoveField { key, .. } => {
                validate::not_blank(field.at("query.key"), key)
            }
            Command::ChangeEmail { new_email, .. } => validate::email(query, new_email),
            Command::Subscribe { .. } | Command::Unsubscribe { .. } => Ok(()),
        }
    }
}

impl Serialize for Command {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("command", &self.command_type())?;
        map.serialize_entry("email", self.email().trim())?;
        match self {
            Command::AddTag { tag, .. }
            | Command::AddTagViaEvent { tag, .. }
            | Command::RemoveTag { tag, .. } => map.serialize_entry("query", tag.trim())?,
            Command::AddField { key, value, .. } => {
                // Written as it is read back (`KeyValue` below), not through a `json!` value.
                #[derive(Serialize)]
                struct KeyValue<'a> {
                    key: &'a str,
                    value: &'a Value,
                }
                let key = key.trim();
                map.serialize_entry("query", &KeyValue { key, value })?
            }
            Command::RemoveField { key, .. } => map.serialize_entry("query", key.trim())?,
            Command::ChangeEmail { new_email, .. } => {
                map.serialize_entry("query", new_email.trim())?
            }
            // The API takes no query for these; sending "" would be read as an argument.
            Command::Subscribe { .. } | Command::Unsubscribe { .. } => {}
        }
        map.end()
    }
}

/// Anything `bento::Client::subscriber_command` accepts: a [`Command`] or the guide's
/// [`CommandData`].
pub trait IntoCommand {
    /// Converts, or explains why it cannot (nothing is sent then).
    fn into_command(self) -> Result<Command, Error>;
}

impl IntoCommand for Command {
    fn into_command(self) -> Result<Command, Error> {
        Ok(self)
    }
}

impl IntoCommand for CommandData {
    fn into_command(self) -> Result<Command, Error> {
        let CommandData {
            command,
            email,
            query,
        } = self;
        Ok(match command {
            CommandType::AddTag => Command::AddTag { email, tag: query },
            CommandType::AddTagViaEvent => Command::AddTagViaEvent { email, tag: query },
            CommandType::RemoveTag => Command::RemoveTag { email, tag: query },
            CommandType::RemoveField => Command::RemoveField { email, key: query },
            CommandType::Subscribe => Command::Subscribe { email },
            CommandType::Unsubscribe => Command::Unsubscribe { email },
            CommandType::ChangeEmail => Command::ChangeEmail {
                email,
                new_email: query,
            },
            CommandType::AddField => {
                #[derive(serde::Deserialize)]
                struct KeyValue {
                    key: String,
                    value: Value,
                }
                let kv: KeyValue = crate::objects::from_slice(query.as_bytes()).map_err(|_| {
                    Error::invalid(
                        "command.query",
                        r#"add_field needs a JSON object {"key": .., "value": ..}; use Command::AddField"#,
                    )
                })?;
                Command::AddField {
                    email,
                    key: kv.key,
                    value: kv.value,
                }
            }
        })
    }
}

impl<T: IntoCommand + Clone> IntoCommand for &T {
    fn into_command(self) -> Result<Command, Error> {
        self.clone().into_command()
    }
}

/// `POST /fetch/commands`: 1–100 commands, answered with the number queued.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriberCommands {
    /// The commands.
    pub commands: Vec<Command>,
}

impl SubscriberCommands {
    /// Converts every item; the first that cannot be converted is the error.
    pub fn new(commands: impl IntoIterator<Item = impl IntoCommand>) -> Result<Self, Error> {
        Ok(SubscriberCommands {
            commands: commands
                .into_iter()
                .map(IntoCommand::into_command)
                .collect::<Result<_, _>>()?,
        })
    }
}

#[derive(Serialize)]
struct Body<'a> {
    command: &'a [Command],
}

impl crate::operation::Operation for SubscriberCommands {
    type Output = BatchResult;

    /// Commands are idempotent (adding a tag twice leaves one tag) — except
    /// `add_tag_via_event`, which records a `$tag` event and so triggers automations again
    /// when repeated: a batch holding one is never re-sent after it may have been received.
    fn idempotency(&self) -> crate::retry::Idempotency {
        if self
            .commands
            .iter()
            .any(|c| matches!(c, Command::AddTagViaEvent { .. }))
        {
            crate::retry::Idempotency::NotIdempotent
        } else {
            crate::retry::Idempotency::Idempotent
        }
    }

    fn to_request(&self, config: &crate::config::Config) -> Result<http::Request<Vec<u8>>, Error> {
        validate::batch(
            "command",
            &self.commands,
            limits::COMMANDS,
            Command::validate,
        )?;
        RequestSpec::post("/fetch/commands")
            .json(&Body {
                command: &self.commands,
            })?
            .build(config)
    }

    fn decode(&self, status: http::StatusCode, body: &[u8]) -> Result<BatchResult, Error> {
        crate::batch::checked(decode_json(status, body), status, self.commands.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;
    use crate::test_support::{config, parse, request};
    use serde_json::json;

    #[test]
    fn commands_follow_the_contract_shapes() {
        let op = SubscriberCommands::new([
            Command::AddTag {
                email: "u@x.io".into(),
                tag: "vip".into(),
            },
            Command::AddField {
                email: "u@x.io".into(),
                key: "plan".into(),
                value: json!("pro"),
            },
            Command::Subscribe {
                email: "u@x.io".into(),
            },
            Command::ChangeEmail {
                email: "old@x.io".into(),
                new_email: "new@x.io".into(),
            },
        ])
        .unwrap();
        let (m, p, _, body) = request(&op);
        assert_eq!((m.as_str(), p.as_str()), ("POST", "/fetch/commands"));
        assert_eq!(
            body,
            json!({"command": [
                {"command": "add_tag", "email": "u@x.io", "query": "vip"},
                {"command": "add_field", "email": "u@x.io", "query": {"key": "plan", "value": "pro"}},
                {"command": "subscribe", "email": "u@x.io"},
                {"command": "change_email", "email": "old@x.io", "query": "new@x.io"}
            ]})
        );
        assert_eq!(parse(&op, 200, r#"{"results":4}"#).unwrap().results, 4);

        // The guide's CommandData: unsubscribe with an empty query sends no query at all.
        let guide = SubscriberCommands::new([CommandData {
            command: CommandType::Unsubscribe,
            email: "user@example.com".into(),
            query: "".into(),
        }])
        .unwrap();
        assert_eq!(
            request(&guide).3,
            json!({"command": [{"command": "unsubscribe", "email": "user@example.com"}]})
        );
        // add_field through CommandData needs the {key, value} object.
        let kv = SubscriberCommands::new([CommandData {
            command: CommandType::AddField,
            email: "u@x.io".into(),
            query: r#"{"key":"k","value":1}"#.into(),
        }])
        .unwrap();
        assert_eq!(
            request(&kv).3["command"][0]["query"],
            json!({"key": "k", "value": 1})
        );
        let err = SubscriberCommands::new([CommandData {
            command: CommandType::AddField,
            email: "u@x.io".into(),
            query: "k=v".into(),
        }])
        .unwrap_err();
        assert!(err.to_string().contains("Command::AddField"));
        let too_many = SubscriberCommands::new((0..101).map(|_| Command::Subscribe {
            email: "u@x.io".into(),
        }))
        .unwrap();
        assert!(too_many.to_request(&config()).is_err());
    }
}
