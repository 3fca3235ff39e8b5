#include "commands/object_encoding.h"

#include "commands/hash_ops.h"
#include "commands/list_ops.h"
#include "commands/set_ops.h"
#include "commands/string_ops.h"
#include "commands/zset_ops.h"
#include "server/command_context.h"

namespace ferrite::commands {

std::string_view ValueEncoding(server::CommandContext& ctx, const storage::RecordView& r) {
  using storage::ValueType;
  if (r.type != ValueType::kString && r.object == nullptr) return "unknown";
  switch (r.type) {
    case ValueType::kString:
      return StringEncoding(r.value);
    case ValueType::kList:
      return ListEncoding(static_cast<const storage::ListObject&>(*r.object));
    case ValueType::kSet:
      return SetEncoding(static_cast<const storage::SetObject&>(*r.object), SetLimitsOf(ctx));
    case ValueType::kHash:
      return HashEncoding(static_cast<const storage::HashObject&>(*r.object), HashLimitsOf(ctx));
    case ValueType::kZSet:
      return ZSetEncoding(static_cast<const storage::ZSetObject&>(*r.object), ZSetLimitsOf(ctx));
    case ValueType::kStream:
      return "stream";
  }
  return "unknown";
}

}  // namespace ferrite::commands
