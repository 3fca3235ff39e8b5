// Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH SSUBSCRIBE SUNSUBSCRIBE
// SPUBLISH and PUBSUB CHANNELS|NUMSUB|NUMPAT|SHARDCHANNELS|SHARDNUMSUB|HELP, as a non-cluster
// Redis 7.0 answers them. The registry and the delivery across event loops are in
// server/pubsub.h; the RESP2 subscribed-mode rules are the dispatcher's.
//
// Confirmations ("subscribe", "unsubscribe"...) are pushes in RESP3 and arrays in RESP2, one per
// channel, each carrying the client's subscription count after that step: channels + patterns
// for the classic commands, shard channels for the S* commands.

#include <optional>
#include <string>
#include <vector>

#include "commands/families.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/pubsub.h"
#include "server/server_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
using server::PubSubKind;

size_t CountFor(const server::ClientSession& c, PubSubKind kind) {
  return kind == PubSubKind::kShard ? c.pubsub.shard_channels.size()
                                    : c.pubsub.channels.size() + c.pubsub.patterns.size();
}

// One confirmation: [kind, name (or nil), count].
void Confirm(CommandContext& ctx, std::string_view what, const std::string_view* name,
             PubSubKind kind) {
  ctx.reply.PushHeader(3);
  ctx.reply.Bulk(what);
  if (name != nullptr) {
    ctx.reply.Bulk(*name);
  } else {
    ctx.reply.Null();
  }
  ctx.reply.Integer(static_cast<int64_t>(CountFor(ctx.client, kind)));
}

void SubscribeGeneric(CommandContext& ctx, PubSubKind kind, std::string_view what) {
  for (size_t i = 1; i < ctx.argc(); ++i) {
    server::SubscribeClient(ctx.server.pubsub(), ctx.client, kind, ctx.argv[i]);
    Confirm(ctx, what, &ctx.argv[i], kind);
  }
}

void UnsubscribeGeneric(CommandContext& ctx, PubSubKind kind, std::string_view what) {
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); ++i) {
      server::UnsubscribeClient(ctx.server.pubsub(), ctx.client, kind, ctx.argv[i]);
      Confirm(ctx, what, &ctx.argv[i], kind);
    }
    return;
  }
  // Without arguments: every subscription of that kind, or one reply with a nil name.
  const auto& set = kind == PubSubKind::kPattern ? ctx.client.pubsub.patterns
                    : kind == PubSubKind::kShard ? ctx.client.pubsub.shard_channels
                                                 : ctx.client.pubsub.channels;
  if (set.empty()) return Confirm(ctx, what, nullptr, kind);
  std::vector<std::string> names(set.begin(), set.end());
  for (const std::string& name : names) {
    server::UnsubscribeClient(ctx.server.pubsub(), ctx.client, kind, name);
    std::string_view view = name;
    Confirm(ctx, what, &view, kind);
  }
}

void Subscribe(CommandContext& ctx) { SubscribeGeneric(ctx, PubSubKind::kChannel, "subscribe"); }
void PSubscribe(CommandContext& ctx) { SubscribeGeneric(ctx, PubSubKind::kPattern, "psubscribe"); }
void SSubscribe(CommandContext& ctx) { SubscribeGeneric(ctx, PubSubKind::kShard, "ssubscribe"); }
void Unsubscribe(CommandContext& ctx) {
  UnsubscribeGeneric(ctx, PubSubKind::kChannel, "unsubscribe");
}
void PUnsubscribe(CommandContext& ctx) {
  UnsubscribeGeneric(ctx, PubSubKind::kPattern, "punsubscribe");
}
void SUnsubscribe(CommandContext& ctx) {
  UnsubscribeGeneric(ctx, PubSubKind::kShard, "sunsubscribe");
}

void Publish(CommandContext& ctx) {
  size_t n = ctx.server.pubsub().Publish(false, ctx.argv[1], ctx.argv[2]);
  ctx.reply.Integer(static_cast<int64_t>(n));
}

void SPublish(CommandContext& ctx) {
  size_t n = ctx.server.pubsub().Publish(true, ctx.argv[1], ctx.argv[2]);
  ctx.reply.Integer(static_cast<int64_t>(n));
}

void SubcommandSyntaxError(CommandContext& ctx) {
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                  std::string(ctx.argv[1]) + "'. Try PUBSUB HELP.");
}

void ChannelsGeneric(CommandContext& ctx, bool shard) {
  if (ctx.argc() > 3) return SubcommandSyntaxError(ctx);
  std::optional<std::string_view> pattern;
  if (ctx.argc() == 3) pattern = ctx.argv[2];
  std::vector<std::string> channels = ctx.server.pubsub().Channels(shard, pattern);
  ctx.reply.ArrayHeader(channels.size());
  for (const std::string& c : channels) ctx.reply.Bulk(c);
}

void NumSubGeneric(CommandContext& ctx, bool shard) {
  // A flat array even in RESP3, as Redis 7.0 answers.
  ctx.reply.ArrayHeader((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.Bulk(ctx.argv[i]);
    ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub().NumSubscribers(shard, ctx.argv[i])));
  }
}

void PubSubChannels(CommandContext& ctx) { ChannelsGeneric(ctx, false); }
void PubSubShardChannels(CommandContext& ctx) { ChannelsGeneric(ctx, true); }
void PubSubNumSub(CommandContext& ctx) { NumSubGeneric(ctx, false); }
void PubSubShardNumSub(CommandContext& ctx) { NumSubGeneric(ctx, true); }

void PubSubNumPat(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.pubsub().pattern_count()));
}

void PubSubHelp(CommandContext& ctx) {
  static constexpr const char* kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: "
      "'*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Print this help.",
  };
  ctx.reply.ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply.SimpleString(line);
}

constexpr CommandBinding kBindings[] = {
    {"psubscribe", PSubscribe},
    {"publish", Publish},
    {"pubsub|channels", PubSubChannels},
    {"pubsub|help", PubSubHelp},
    {"pubsub|numpat", PubSubNumPat},
    {"pubsub|numsub", PubSubNumSub},
    {"pubsub|shardchannels", PubSubShardChannels},
    {"pubsub|shardnumsub", PubSubShardNumSub},
    {"punsubscribe", PUnsubscribe},
    {"spublish", SPublish},
    {"ssubscribe", SSubscribe},
    {"subscribe", Subscribe},
    {"sunsubscribe", SUnsubscribe},
    {"unsubscribe", Unsubscribe},
};

}  // namespace

std::span<const CommandBinding> PubSubFamily() { return kBindings; }

}  // namespace ferrite::commands
