#pragma once
// BGREWRITEAOF's binding. The command family lives in app/ because it needs the AOF writer,
// which only the app creates (persistence depends on the server layer, not the reverse).

#include <span>

#include "commands/families.h"

namespace ferrite::persistence {
class AofWriter;
}

namespace ferrite::app {

// The writer BGREWRITEAOF acts on; null when none (before startup, after shutdown).
void SetBgRewriteAofTarget(persistence::AofWriter* writer);
std::span<const commands::CommandBinding> PersistenceFamily();

}  // namespace ferrite::app
