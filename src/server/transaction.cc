#include "server/transaction.h"

#include <xxhash.h>

namespace ferrite::server {

namespace {
size_t StripeOf(std::string_view key) {
  return XXH3_64bits(key.data(), key.size()) & (WatchTable::kStripes - 1);
}
}  // namespace

uint64_t WatchTable::KeyVersion(std::string_view key) const {
  return versions_[StripeOf(key)].load(std::memory_order_acquire);
}

void WatchTable::TouchKey(std::string_view key) {
  versions_[StripeOf(key)].fetch_add(1, std::memory_order_acq_rel);
}

void Unwatch(TransactionState& tx, WatchTable& table) {
  if (tx.watched.empty()) return;
  tx.watched.clear();
  table.active_watchers.fetch_sub(1, std::memory_order_acq_rel);
}

}  // namespace ferrite::server
