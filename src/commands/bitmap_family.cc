// Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, on string values,
// with Redis 7.0's replies, errors, argument-checking order and dirty accounting (bitops.c).
//
// Reads compute inside the store's read callback, so a 512 MB bitmap is never copied. Writes go
// through the updaters of commands/bitmap_ops.h. As in Redis, SETBIT and BITFIELD count as a
// change (dirty, WATCH, propagation) only when the value really changed or grew.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_util.h"
#include "commands/bitmap_ops.h"
#include "commands/families.h"
#include "commands/string_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "server/config/runtime_config.h"
#include "server/server_context.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
using storage::RecordBuilder;
using storage::RecordView;
using storage::ValueType;
namespace errors = resp::errors;

constexpr std::string_view kBitValue = "ERR bit is not an integer or out of range";
constexpr std::string_view kBitfieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 "
    "is.";

// Reads the string at argv[1] and runs `fn(value)` inside the read callback, which replies.
// Replies WRONGTYPE for other types, or the store failure. Returns false, having replied nothing,
// when the key is absent.
template <typename Fn>
bool ReadString(CommandContext& ctx, Fn&& fn) {
  bool wrong_type = false;
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[1], [&](const RecordView& r) {
    if (r.type != ValueType::kString) {
      wrong_type = true;
    } else {
      fn(r.value);
    }
  });
  if (st.IsNotFound()) {
    CountKeyspaceMiss(ctx);
    return false;
  }
  if (ReplyStoreFailure(ctx, st)) return true;
  CountKeyspaceHit(ctx);
  if (wrong_type) ctx.reply.Error(errors::kWrongType);
  return true;
}

// The largest string a bit offset may reach: CONFIG's proto-max-bulk-len, within the store's own
// 512 MB value limit (a larger setting would only turn the error into an out-of-memory one).
uint64_t MaxBitmapBytes(CommandContext& ctx) {
  const server::config::RuntimeConfig* config = ctx.server.runtime_config_if_set();
  return config ? std::min(config->proto_max_bulk_len(), kProtoMaxBulkLen) : kProtoMaxBulkLen;
}

// ---------------------------------------------------------------------------------------------
// SETBIT GETBIT

void SetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx.argv[2], 0, &offset, MaxBitmapBytes(ctx))) {
    return ctx.reply.Error(errors::kBitOffset);
  }
  int64_t on;
  if (!String2ll(ctx.argv[3], &on) || (on & ~int64_t{1}) != 0) {
    return ctx.reply.Error(kBitValue);
  }
  SetBitUpdater updater(offset, on == 1);
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  if (updater.outcome == RmwOutcome::kDone) ctx.AddDirty();
  ctx.reply.Integer(updater.old_bit ? 1 : 0);
}

void GetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx.argv[2], 0, &offset, MaxBitmapBytes(ctx))) {
    return ctx.reply.Error(errors::kBitOffset);
  }
  const bool found = ReadString(ctx, [&](std::string_view v) {
    ctx.reply.Integer(GetBitfieldPadded(v, offset, 1, /*is_signed=*/false));
  });
  if (!found) ctx.reply.Integer(0);
}

// ---------------------------------------------------------------------------------------------
// BITCOUNT key [start end [BYTE|BIT]]

void BitCountCmd(CommandContext& ctx) {
  // Redis looks the key up before parsing the range: a missing key answers 0 whatever follows.
  const bool found = ReadString(ctx, [&](std::string_view v) {
    const size_t argc = ctx.argc();
    if (argc == 2) return ctx.reply.Integer(BitCount(v, false, 0, 0, false));
    if (argc != 4 && argc != 5) return ctx.reply.Error(errors::kSyntax);
    int64_t start, end;
    if (!String2ll(ctx.argv[2], &start) || !String2ll(ctx.argv[3], &end)) {
      return ctx.reply.Error(errors::kNotInteger);
    }
    if (start < 0 && end < 0 && start > end) return ctx.reply.Integer(0);
    bool is_bit = false;
    if (argc == 5) {
      if (EqualsIgnoreCase(ctx.argv[4], "bit")) {
        is_bit = true;
      } else if (!EqualsIgnoreCase(ctx.argv[4], "byte")) {
        return ctx.reply.Error(errors::kSyntax);
      }
    }
    ctx.reply.Integer(BitCount(v, true, start, end, is_bit));
  });
  if (!found) ctx.reply.Integer(0);
}

// ---------------------------------------------------------------------------------------------
// BITPOS key bit [start [end [BYTE|BIT]]]

void BitPosCmd(CommandContext& ctx) {
  int64_t bit;
  if (!String2ll(ctx.argv[2], &bit)) return ctx.reply.Error(errors::kNotInteger);
  if (bit != 0 && bit != 1) return ctx.reply.Error("ERR The bit argument must be 1 or 0.");
  const bool found = ReadString(ctx, [&](std::string_view v) {
    const size_t argc = ctx.argc();
    if (argc == 3) return ctx.reply.Integer(BitPos(v, int(bit), false, 0, false, 0, false));
    if (argc > 6) return ctx.reply.Error(errors::kSyntax);
    int64_t start, end = 0;
    if (!String2ll(ctx.argv[3], &start)) return ctx.reply.Error(errors::kNotInteger);
    bool is_bit = false;
    if (argc == 6) {
      if (EqualsIgnoreCase(ctx.argv[5], "bit")) {
        is_bit = true;
      } else if (!EqualsIgnoreCase(ctx.argv[5], "byte")) {
        return ctx.reply.Error(errors::kSyntax);
      }
    }
    if (argc >= 5 && !String2ll(ctx.argv[4], &end)) return ctx.reply.Error(errors::kNotInteger);
    ctx.reply.Integer(BitPos(v, int(bit), true, start, argc >= 5, end, is_bit));
  });
  // A missing key is an endless run of zeros.
  if (!found) ctx.reply.Integer(bit ? -1 : 0);
}

// ---------------------------------------------------------------------------------------------
// BITOP AND|OR|XOR|NOT destkey key [key ...]

void BitOpCmd(CommandContext& ctx) {
  const std::string_view name = ctx.argv[1];
  BitOp op;
  if (EqualsIgnoreCase(name, "and")) {
    op = BitOp::kAnd;
  } else if (EqualsIgnoreCase(name, "or")) {
    op = BitOp::kOr;
  } else if (EqualsIgnoreCase(name, "xor")) {
    op = BitOp::kXor;
  } else if (EqualsIgnoreCase(name, "not")) {
    op = BitOp::kNot;
  } else {
    return ctx.reply.Error(errors::kSyntax);
  }
  if (op == BitOp::kNot && ctx.argc() != 4) {
    return ctx.reply.Error("ERR BITOP NOT must be called with a single source key.");
  }
  // All reads before the write, so a pending source leaves nothing half done.
  std::vector<std::string> sources(ctx.argc() - 3);
  uint64_t hits = 0, misses = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    bool wrong_type = false;
    Status st = ctx.store.Read(ctx.client.db, ctx.argv[i], [&](const RecordView& r) {
      if (r.type != ValueType::kString) {
        wrong_type = true;
      } else {
        sources[i - 3].assign(r.value);
      }
    });
    if (ReplyStoreFailure(ctx, st)) return;
    ++(st.ok() ? hits : misses);
    if (wrong_type) {
      CountKeyspace(ctx, hits, misses);
      return ctx.reply.Error(errors::kWrongType);
    }
  }
  CountKeyspace(ctx, hits, misses);
  std::string result = ComputeBitOp(op, sources);
  const int64_t length = static_cast<int64_t>(result.size());
  const std::string_view dest = ctx.argv[2];
  if (length > 0) {
    // Like SET: the destination's old value, type and TTL are replaced.
    RecordBuilder record{ValueType::kString, storage::kNoExpiry, std::move(result)};
    if (ReplyStoreFailure(ctx, ctx.store.Upsert(ctx.client.db, dest, record))) return;
    ctx.AddDirty();
  } else {
    Status st = ctx.store.Delete(ctx.client.db, dest);
    if (ReplyStoreFailure(ctx, st)) return;
    if (st.ok()) ctx.AddDirty();
  }
  ctx.reply.Integer(length);
}

// ---------------------------------------------------------------------------------------------
// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment]
//          [OVERFLOW WRAP|SAT|FAIL] ...

bool ParseBitfieldType(std::string_view arg, bool* is_signed, int* bits) {
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) return false;
  *is_signed = arg[0] == 'i';
  int64_t n;
  if (!String2ll(arg.substr(1), &n) || n < 1 || n > (*is_signed ? 64 : 63)) return false;
  *bits = static_cast<int>(n);
  return true;
}

void BitfieldGeneric(CommandContext& ctx, bool read_only_command) {
  std::vector<BitfieldOp> ops;
  BitfieldOverflow overflow = BitfieldOverflow::kWrap;
  bool has_write = false;
  uint64_t highest_bit = 0;
  const uint64_t max_bytes = MaxBitmapBytes(ctx);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    const size_t remaining = ctx.argc() - j - 1;
    const std::string_view sub = ctx.argv[j];
    BitfieldOp op;
    if (EqualsIgnoreCase(sub, "get") && remaining >= 2) {
      op.kind = BitfieldOp::kGet;
    } else if (EqualsIgnoreCase(sub, "set") && remaining >= 3) {
      op.kind = BitfieldOp::kSet;
    } else if (EqualsIgnoreCase(sub, "incrby") && remaining >= 3) {
      op.kind = BitfieldOp::kIncrBy;
    } else if (EqualsIgnoreCase(sub, "overflow") && remaining >= 1) {
      const std::string_view type = ctx.argv[++j];
      if (EqualsIgnoreCase(type, "wrap")) {
        overflow = BitfieldOverflow::kWrap;
      } else if (EqualsIgnoreCase(type, "sat")) {
        overflow = BitfieldOverflow::kSat;
      } else if (EqualsIgnoreCase(type, "fail")) {
        overflow = BitfieldOverflow::kFail;
      } else {
        return ctx.reply.Error("ERR Invalid OVERFLOW type specified");
      }
      continue;
    } else {
      return ctx.reply.Error(errors::kSyntax);
    }
    if (!ParseBitfieldType(ctx.argv[j + 1], &op.is_signed, &op.bits)) {
      return ctx.reply.Error(kBitfieldType);
    }
    if (!ParseBitOffset(ctx.argv[j + 2], op.bits, &op.offset, max_bytes)) {
      return ctx.reply.Error(errors::kBitOffset);
    }
    if (op.kind != BitfieldOp::kGet) {
      has_write = true;
      highest_bit = std::max(highest_bit, op.offset + op.bits - 1);
      if (!String2ll(ctx.argv[j + 3], &op.arg)) return ctx.reply.Error(errors::kNotInteger);
    }
    op.overflow = overflow;
    ops.push_back(op);
    j += op.kind == BitfieldOp::kGet ? 2 : 3;
  }

  auto reply_results = [&](const std::vector<std::optional<int64_t>>& results) {
    ctx.reply.ArrayHeader(results.size());
    for (const auto& r : results) r ? ctx.reply.Integer(*r) : ctx.reply.Null();
  };
  if (!has_write) {
    // Only GETs: a read, and a missing key reads as zeros.
    auto get_all = [&](std::string_view v) {
      std::vector<std::optional<int64_t>> results;
      for (const BitfieldOp& op : ops) {
        results.emplace_back(GetBitfieldPadded(v, op.offset, op.bits, op.is_signed));
      }
      reply_results(results);
    };
    if (!ReadString(ctx, get_all)) get_all({});
    return;
  }
  if (read_only_command) {
    return ctx.reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
  }
  BitfieldUpdater updater(ops, highest_bit);
  Status st = ctx.store.Rmw(ctx.client.db, ctx.argv[1], updater);
  if (ReplyRmwFailure(ctx, st)) return;
  if (updater.changes > 0) ctx.AddDirty(updater.changes);
  reply_results(updater.results);
}

void Bitfield(CommandContext& ctx) { BitfieldGeneric(ctx, false); }
void BitfieldRo(CommandContext& ctx) { BitfieldGeneric(ctx, true); }

constexpr CommandBinding kBindings[] = {
    {"bitcount", BitCountCmd}, {"bitfield", Bitfield}, {"bitfield_ro", BitfieldRo},
    {"bitop", BitOpCmd},       {"bitpos", BitPosCmd},  {"getbit", GetBit},
    {"setbit", SetBit},
};

}  // namespace

std::span<const CommandBinding> BitmapFamily() { return kBindings; }

}  // namespace ferrite::commands
