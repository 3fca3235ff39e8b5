#pragma once
// The encoding Redis 7.0 would report for a value (OBJECT ENCODING, DEBUG OBJECT): "int" /
// "embstr" / "raw" for strings, and for collections what Redis's conversions would have made of
// the same history under the current CONFIG thresholds (docs/design/collections.md, "Encodings").
//
// Thread safety: reads the record inside a store callback; no shared state.

#include <string_view>

#include "storage/store.h"

namespace ferrite::server {
class CommandContext;
}

namespace ferrite::commands {

// A string literal.
std::string_view ValueEncoding(server::CommandContext& ctx, const storage::RecordView& record);

}  // namespace ferrite::commands
