#include "resp/errors.h"

namespace ferrite::resp::errors {

std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs) {
  // Redis caps the echoed name and arguments at 128 bytes of arguments in total.
  std::string out = "ERR unknown command '";
  out.append(name.substr(0, 128));
  out += "', with args beginning with: ";
  size_t budget = 128;
  for (size_t i = 0; i < nargs && budget > 0; ++i) {
    std::string_view a = args[i].substr(0, budget);
    out += '\'';
    out.append(a);
    out += "' ";
    budget -= a.size();
  }
  return out;
}

std::string UnknownSubcommand(std::string_view sub, std::string_view container_upper) {
  std::string out = "ERR unknown subcommand '";
  out.append(sub.substr(0, 128));
  out += "'. Try ";
  out.append(container_upper);
  out += " HELP.";
  return out;
}

std::string WrongArity(std::string_view command_lower) {
  std::string out = "ERR wrong number of arguments for '";
  out.append(command_lower);
  out += "' command";
  return out;
}

std::string InvalidExpireTime(std::string_view command_lower) {
  std::string out = "ERR invalid expire time in '";
  out.append(command_lower);
  out += "' command";
  return out;
}

}  // namespace ferrite::resp::errors
