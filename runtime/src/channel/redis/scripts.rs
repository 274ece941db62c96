//! The Redis side of the engine: two Lua scripts, each one atomic step, and the parsing of
//! their replies and of `XREAD`'s.
//!
//! A channel is two keys: `<prefix>{<name>}:meta`, a hash with its `epoch` and `head` (the
//! newest offset), and `<prefix>{<name>}:stream`, a Redis Stream of its history whose entry
//! ids are `<offset>-0` and whose fields are `epoch`, `time` (ms, Redis's clock), `event` and
//! `data`. When the meta hash is missing (a flushed or new Redis, or an expired channel) the
//! first script to run creates a new epoch and drops any stream left over.

use std::sync::Arc;

use redis::{Script, Value};

use crate::channel::ChannelEvent;

/// Both scripts start here: the channel's epoch, a new one (with an empty stream) when its
/// meta hash is missing.
const EPOCH: &str = r"
local meta, stream = KEYS[1], KEYS[2]
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  epoch = ARGV[1]
  redis.call('DEL', stream)
  redis.call('HSET', meta, 'epoch', epoch, 'head', 0)
end
";

/// `KEYS`: meta, stream. `ARGV`: new epoch, history size, history age (ms), event type
/// (empty for none), data. Returns `{epoch, offset}`.
const PUBLISH: &str = r"
local head = redis.call('HINCRBY', meta, 'head', 1)
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local age = tonumber(ARGV[3])
redis.call('XADD', stream, 'MAXLEN', ARGV[2], head .. '-0',
  'epoch', epoch, 'time', now, 'event', ARGV[4], 'data', ARGV[5])
while true do
  local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  if not oldest or tonumber(oldest[2][4]) >= now - age then break end
  redis.call('XDEL', stream, oldest[1])
end
redis.call('PEXPIRE', stream, age)
redis.call('PEXPIRE', meta, age)
return {epoch, head}
";

/// `KEYS`: meta, stream. `ARGV`: new epoch, history age (ms), the cursor's epoch (empty for
/// none), its offset, `oldest` or `now`. Returns `{epoch, head, {offset, event, data}...}`
/// with the retained events after the base (see `engine::base`); refreshes the expiry.
const OPEN: &str = r"
local age = tonumber(ARGV[2])
redis.call('PEXPIRE', meta, age)
local head = tonumber(redis.call('HGET', meta, 'head'))
local base
if ARGV[3] == epoch and tonumber(ARGV[4]) <= head then
  base = tonumber(ARGV[4])
elseif ARGV[5] == 'oldest' then
  base = 0
else
  base = head
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local reply = {epoch, head}
if base < head then
  for _, entry in ipairs(redis.call('XRANGE', stream, string.format('%d-0', base + 1), '+')) do
    local fields = entry[2]
    if tonumber(fields[4]) >= now - age then
      reply[#reply + 1] = {string.match(entry[1], '^(%d+)'), fields[6], fields[8]}
    end
  end
end
return reply
";

/// The scripts, hashed once (invoked with `EVALSHA`, loaded again after a Redis restart).
#[derive(Debug)]
pub(super) struct Scripts {
    pub(super) publish: Script,
    pub(super) open: Script,
}

impl Scripts {
    pub(super) fn new() -> Self {
        Scripts {
            publish: Script::new(&format!("{EPOCH}{PUBLISH}")),
            open: Script::new(&format!("{EPOCH}{OPEN}")),
        }
    }
}

/// One event as Redis holds it.
#[derive(Debug)]
pub(super) struct Stored {
    pub(super) epoch: Option<Arc<str>>,
    pub(super) offset: u64,
    pub(super) event: ChannelEvent,
}

/// A reply that is not what the scripts or `XREAD` send.
pub(super) fn unexpected(what: &str, value: &Value) -> String {
    format!("unexpected Redis reply for {what}: {value:?}")
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(text) => Some(text.clone()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(value: &Value) -> Option<u64> {
    match value {
        Value::Int(n) => u64::try_from(*n).ok(),
        other => text(other)?.parse().ok(),
    }
}

fn items(value: &Value) -> Option<&[Value]> {
    match value {
        Value::Array(items) | Value::Set(items) => Some(items),
        _ => None,
    }
}

fn channel_event(event: String, data: String) -> ChannelEvent {
    let event_type = (!event.is_empty()).then_some(event);
    let mut channel_event = ChannelEvent::new(data);
    if let Some(name) = event_type {
        channel_event = channel_event.event(name);
    }
    channel_event
}

/// `{epoch, offset}` from the publish script.
pub(super) fn published(value: &Value) -> Option<(String, u64)> {
    let reply = items(value)?;
    Some((text(reply.first()?)?, number(reply.get(1)?)?))
}

/// `{epoch, head, events...}` from the open script.
pub(super) fn opened(value: &Value) -> Option<(String, u64, Vec<Stored>)> {
    let reply = items(value)?;
    let epoch = text(reply.first()?)?;
    let head = number(reply.get(1)?)?;
    let mut events = Vec::with_capacity(reply.len().saturating_sub(2));
    for entry in &reply[2..] {
        let fields = items(entry)?;
        events.push(Stored {
            epoch: None,
            offset: number(fields.first()?)?,
            event: channel_event(text(fields.get(1)?)?, text(fields.get(2)?)?),
        });
    }
    Some((epoch, head, events))
}

/// The entries of one stream in an `XREAD` reply (nil when the block timed out).
pub(super) fn read(value: &Value) -> Option<Vec<Stored>> {
    let streams = match value {
        Value::Nil => return Some(Vec::new()),
        Value::Map(pairs) => pairs.iter().map(|(_, entries)| entries).collect::<Vec<_>>(),
        other => items(other)?
            .iter()
            .filter_map(|stream| items(stream)?.get(1))
            .collect(),
    };
    let mut stored = Vec::new();
    for entries in streams {
        for entry in items(entries)? {
            let entry = items(entry)?;
            let id = text(entry.first()?)?;
            let offset = id.split('-').next()?.parse().ok()?;
            let fields = items(entry.get(1)?)?;
            let field = |name: &str| {
                fields
                    .chunks(2)
                    .find(|pair| text(&pair[0]).as_deref() == Some(name))
                    .and_then(|pair| pair.get(1).and_then(text))
            };
            stored.push(Stored {
                epoch: field("epoch").map(Arc::from),
                offset,
                event: channel_event(field("event").unwrap_or_default(), field("data")?),
            });
        }
    }
    Some(stored)
}
