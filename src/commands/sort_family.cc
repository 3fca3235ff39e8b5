// SORT and SORT_RO: sort the elements of a list, set or sorted set, numerically or ALPHA, by
// their own value or by the value of keys built from a pattern (BY weight_* , BY obj_*->field),
// with LIMIT, GET (#, key patterns, hash fields) and STORE into a list, as Redis 7.0's sort.c
// does, including its quirks: BY without '*' skips sorting (native order), a set sorted without
// sorting for STORE is sorted ALPHA instead (deterministic replicas), numeric ties fall back to
// comparing the elements' bytes, and an unparsable score fails the whole command.
//
// Keys named by BY / GET patterns are not among the command's declared keys, so the dispatcher
// neither locks them nor makes them resident first: a pattern key found on disk is made resident
// here through ctx.waiter and the command runs again (inside EXEC, which has no waiter, it fails
// as a pending command does there).

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_util.h"
#include "commands/families.h"
#include "commands/string_ops.h"
#include "resp/errors.h"
#include "server/client_session.h"
#include "server/command_context.h"
#include "storage/objects/hash_object.h"
#include "storage/objects/list_object.h"
#include "storage/objects/set_object.h"
#include "storage/objects/zset_object.h"

namespace ferrite::commands {
namespace {

using server::CommandContext;
using storage::HashObject;
using storage::ListObject;
using storage::RecordBuilder;
using storage::RecordView;
using storage::SetObject;
using storage::ValueType;
using storage::ZSetObject;
namespace errors = resp::errors;

struct SortItem {
  std::string value;
  double score = 0;
  std::optional<std::string> by;  // ALPHA with BY: the pattern key's value, if it exists
};

struct SortOptions {
  bool desc = false;
  bool alpha = false;
  bool dontsort = false;
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  std::optional<std::string_view> by;
  std::optional<std::string_view> store;
  std::vector<std::string_view> gets;
};

// Parses argv[2..]; replies and returns false on error. Redis's order: options left to right,
// LIMIT's integers checked as they come.
bool ParseSortOptions(CommandContext& ctx, bool read_only, SortOptions* o) {
  for (size_t j = 2; j < ctx.argc(); ++j) {
    const std::string_view arg = ctx.argv[j];
    const size_t left = ctx.argc() - j - 1;
    if (EqualsIgnoreCase(arg, "asc")) {
      o->desc = false;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      o->desc = true;
    } else if (EqualsIgnoreCase(arg, "alpha")) {
      o->alpha = true;
    } else if (EqualsIgnoreCase(arg, "limit") && left >= 2) {
      if (!String2ll(ctx.argv[j + 1], &o->limit_start) ||
          !String2ll(ctx.argv[j + 2], &o->limit_count)) {
        ctx.reply.Error(errors::kNotInteger);
        return false;
      }
      j += 2;
    } else if (EqualsIgnoreCase(arg, "store") && left >= 1 && !read_only) {
      o->store = ctx.argv[++j];
    } else if (EqualsIgnoreCase(arg, "by") && left >= 1) {
      o->by = ctx.argv[++j];
      // A pattern without '*' names one constant key: nothing to sort by.
      if (o->by->find('*') == std::string_view::npos) o->dontsort = true;
    } else if (EqualsIgnoreCase(arg, "get") && left >= 1) {
      o->gets.push_back(ctx.argv[++j]);
    } else {
      ctx.reply.Error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// What a pattern lookup found: a value, nothing, or a record still on disk.
enum class Lookup : uint8_t { kFound, kNone, kPending };

// Redis's lookupKeyByPattern: "#" is the element itself; otherwise the first '*' becomes the
// element, and a "->field" suffix (after the '*', non-empty) reads that hash field. Strings only
// (or hashes with a field); anything else, or a pattern without '*', finds nothing.
Lookup LookupByPattern(CommandContext& ctx, std::string_view pattern, std::string_view element,
                       std::string* out) {
  if (pattern == "#") {
    out->assign(element);
    return Lookup::kFound;
  }
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) return Lookup::kNone;
  const size_t arrow = pattern.find("->", star + 1);
  std::string_view field;
  std::string_view key_pattern = pattern;
  if (arrow != std::string_view::npos && arrow + 2 < pattern.size()) {
    field = pattern.substr(arrow + 2);
    key_pattern = pattern.substr(0, arrow);
  }
  std::string key;
  key.reserve(key_pattern.size() + element.size());
  key.append(key_pattern.substr(0, star)).append(element).append(key_pattern.substr(star + 1));

  for (int attempt = 0;; ++attempt) {
    bool found = false;
    Status st = ctx.store.Read(ctx.client.db, key, [&](const RecordView& r) {
      if (field.empty()) {
        if (r.type != ValueType::kString) return;
        out->assign(r.value);
        found = true;
      } else if (r.type == ValueType::kHash && r.object != nullptr) {
        const std::string* v = static_cast<const HashObject*>(r.object)->table().Find(field);
        if (v == nullptr) return;
        out->assign(*v);
        found = true;
      }
    });
    if (!st.IsPending()) {
      st.ok() ? CountKeyspaceHit(ctx) : CountKeyspaceMiss(ctx);  // lookupKeyRead counts them
      return found ? Lookup::kFound : Lookup::kNone;
    }
    const std::string_view keys[] = {key};
    if (attempt > 0 || ctx.waiter == nullptr ||
        !ctx.store.EnsureResident(ctx.client.db, keys, ctx.waiter)) {
      return Lookup::kPending;
    }
  }
}

// Reports a pending pattern lookup: wait for the record (the waiter is armed) or, without a
// waiter, go pending like any store read.
void ReplyLookupPending(CommandContext& ctx) {
  ctx.waiter != nullptr ? ctx.SetWaiting() : ctx.SetPending();
}

int CompareBytes(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Loads the elements to sort. With `dontsort` a list or sorted set yields only the LIMIT window,
// in native (or, with DESC, reversed) order, and `start`/`end` are rebased to it.
void LoadElements(const RecordView& r, const SortOptions& o, int64_t* start, int64_t* end,
                  std::vector<SortItem>* items) {
  auto add = [&](std::string_view v) { items->push_back(SortItem{std::string(v)}); };
  const bool window = o.dontsort && (r.type == ValueType::kList || r.type == ValueType::kZSet);
  if (r.type == ValueType::kList) {
    const auto& elements = static_cast<const ListObject*>(r.object)->elements();
    if (!window) {
      for (const std::string& e : elements) add(e);
      return;
    }
    const int64_t len = static_cast<int64_t>(elements.size());
    for (int64_t i = *start; i <= *end && i < len; ++i) add(elements[o.desc ? len - 1 - i : i]);
  } else if (r.type == ValueType::kSet) {
    for (const auto& e : static_cast<const SetObject*>(r.object)->table().entries()) add(e.key);
    return;
  } else {
    const ZSetObject* z = static_cast<const ZSetObject*>(r.object);
    if (!window) {
      for (const auto& e : z->scores().entries()) add(e.key);
      return;
    }
    const int64_t len = static_cast<int64_t>(z->size());
    for (int64_t i = *start; i <= *end && i < len; ++i) {
      add(z->ByRank(static_cast<size_t>(o.desc ? len - 1 - i : i)).second);
    }
  }
  *end -= *start;
  *start = 0;
}

void SortGeneric(CommandContext& ctx, bool read_only) {
  SortOptions o;
  if (!ParseSortOptions(ctx, read_only, &o)) return;

  // The elements, read under the source's lock.
  std::vector<SortItem> items;
  bool wrong_type = false;
  ValueType type = ValueType::kList;
  int64_t length = 0;
  int64_t start = 0, end = 0;
  auto window = [&](int64_t len) {
    // Clamped to the length first, so that start + count cannot overflow.
    start = std::min(std::max<int64_t>(o.limit_start, 0), len);
    const int64_t count = std::min(std::max<int64_t>(o.limit_count, -1), len);
    end = count < 0 ? len - 1 : start + count - 1;
    if (start >= len) {
      start = len - 1;
      end = len - 2;
    }
    if (end >= len) end = len - 1;
  };
  Status st = ctx.store.Read(ctx.client.db, ctx.argv[1], [&](const RecordView& r) {
    if ((r.type != ValueType::kList && r.type != ValueType::kSet && r.type != ValueType::kZSet) ||
        r.object == nullptr) {
      wrong_type = true;
      return;
    }
    type = r.type;
    length = static_cast<int64_t>(r.object->Length());
    // A set has no native order: "sorting" it for STORE must still give replicas one answer.
    SortOptions effective = o;
    if (o.dontsort && type == ValueType::kSet && o.store) {
      effective.dontsort = false;
      effective.alpha = true;
      effective.by.reset();
    }
    window(length);
    LoadElements(r, effective, &start, &end, &items);
  });
  if (ReplyStoreFailure(ctx, st)) return;
  st.ok() ? CountKeyspaceHit(ctx) : CountKeyspaceMiss(ctx);
  if (wrong_type) return ctx.reply.Error(errors::kWrongType);
  if (st.IsNotFound()) window(0);
  if (o.dontsort && type == ValueType::kSet && o.store) {
    o.dontsort = false;
    o.alpha = true;
    o.by.reset();
  }

  // Sort keys, then sort.
  if (!o.dontsort) {
    bool bad_score = false;
    std::string by_value;
    for (SortItem& item : items) {
      std::string_view source = item.value;
      if (o.by) {
        Lookup found = LookupByPattern(ctx, *o.by, item.value, &by_value);
        if (found == Lookup::kPending) return ReplyLookupPending(ctx);
        if (found == Lookup::kNone) continue;  // missing: score 0, or "smallest" for ALPHA
        source = by_value;
      }
      if (o.alpha) {
        if (o.by) item.by = std::string(source);
        continue;
      }
      // strtod over the C string, as Redis: trailing bytes, overflow or NaN make it fail.
      const std::string text(source);
      char* eptr;
      errno = 0;
      item.score = std::strtod(text.c_str(), &eptr);
      if (*eptr != '\0' || errno == ERANGE || std::isnan(item.score)) bad_score = true;
    }
    if (bad_score) return ctx.reply.Error("ERR One or more scores can't be converted into double");
    const bool by_pattern = o.by.has_value();
    std::stable_sort(items.begin(), items.end(), [&](const SortItem& a, const SortItem& b) {
      int c;
      if (!o.alpha) {
        c = a.score > b.score ? 1 : (a.score < b.score ? -1 : CompareBytes(a.value, b.value));
      } else if (by_pattern) {
        if (!a.by || !b.by) {
          c = a.by.has_value() == b.by.has_value() ? 0 : (a.by ? 1 : -1);
        } else {
          c = CompareBytes(*a.by, *b.by);
        }
      } else {
        c = CompareBytes(a.value, b.value);
      }
      return o.desc ? c > 0 : c < 0;
    });
  }

  // The output: each element in the window, or the GET values for it.
  std::vector<std::optional<std::string>> output;
  for (int64_t j = start; j <= end; ++j) {
    const std::string& element = items[static_cast<size_t>(j)].value;
    if (o.gets.empty()) {
      output.emplace_back(element);
      continue;
    }
    for (std::string_view pattern : o.gets) {
      std::string value;
      Lookup found = LookupByPattern(ctx, pattern, element, &value);
      if (found == Lookup::kPending) return ReplyLookupPending(ctx);
      if (found == Lookup::kFound) {
        output.emplace_back(std::move(value));
      } else {
        output.emplace_back(std::nullopt);
      }
    }
  }

  if (!o.store) {
    ctx.reply.ArrayHeader(output.size());
    for (const auto& v : output) v ? ctx.reply.Bulk(*v) : ctx.reply.Null();
    return;
  }
  const std::string_view dest = *o.store;
  const int64_t n = static_cast<int64_t>(output.size());
  if (n == 0) {
    Status del = ctx.store.Delete(ctx.client.db, dest);
    if (ReplyStoreFailure(ctx, del)) return;
    if (del.ok()) ctx.AddDirty();
    return ctx.reply.Integer(0);
  }
  auto list = std::make_unique<ListObject>();
  for (const auto& v : output) list->PushBack(v ? std::string_view(*v) : std::string_view());
  list->quicklist_encoding = true;  // Redis 7.0's SORT always creates a quicklist
  RecordBuilder record;
  record.type = ValueType::kList;
  record.expire_at_ms = storage::kNoExpiry;
  record.object = std::move(list);
  if (ReplyStoreFailure(ctx, ctx.store.Upsert(ctx.client.db, dest, record))) return;
  ctx.AddDirty(n);
  ctx.SignalKeyReady(dest);  // clients blocked in BLPOP & co. on the destination
  ctx.reply.Integer(n);
}

void Sort(CommandContext& ctx) { SortGeneric(ctx, false); }
void SortRo(CommandContext& ctx) { SortGeneric(ctx, true); }

constexpr CommandBinding kBindings[] = {
    {"sort", Sort},
    {"sort_ro", SortRo},
};

}  // namespace

std::span<const CommandBinding> SortFamily() { return kBindings; }

}  // namespace ferrite::commands
