#include "commands/families.h"

namespace ferrite::commands {

std::span<std::span<const CommandBinding> (*const)()> AllFamilies() {
  static constexpr std::span<const CommandBinding> (*kFamilies[])() = {
      ConnectionFamily, ServerFamily, StringFamily,  KeyFamily,         ClientFamily,
      InfoFamily,       ConfigFamily, CommandFamily, TransactionFamily, SlowlogFamily,
      PubSubFamily,     BitmapFamily, HllFamily,     SortFamily,        ListFamily,
      ZSetFamily,       HashFamily,   SetFamily,     DumpFamily,        DebugFamily,
  };
  return kFamilies;
}

}  // namespace ferrite::commands
