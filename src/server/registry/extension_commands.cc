// Ferrite's own commands and subcommands, which Redis 7.0 does not have, with metadata in the
// generator's JSON format (tools/gen_command_metadata.py) so COMMAND INFO / DOCS describe them
// like any other command. Hand-written; keep one object per line.
//
// CLIENT TRACEPARENT <traceparent> [<tracestate>] | STICKY <traceparent> [<tracestate>] | CLEAR
// (commands/client_family.cc): the W3C trace context of the next command, or of every command.

namespace ferrite::server {

namespace {
// clang-format off
constexpr char kFerriteExtensions[] = R"ferrite_ext(
{"name":"client|traceparent","arity":-3,"flags":["noscript","loading","stale","fast"],"first":0,"last":0,"step":0,"acl":["@fast","@connection"],"tips":[],"key_specs":[],"docs":{"summary":"Sets the W3C trace context of the next command on the connection, or of every command with STICKY (Ferrite extension)","since":"ferrite-0.1.0","group":"connection","complexity":"O(1)","arguments":[{"name":"context","type":"oneof","arguments":[{"name":"next","type":"block","arguments":[{"name":"traceparent","type":"string"},{"name":"tracestate","type":"string","flags":["optional"]}]},{"name":"sticky","type":"block","arguments":[{"name":"sticky","type":"pure-token","token":"STICKY"},{"name":"traceparent","type":"string"},{"name":"tracestate","type":"string","flags":["optional"]}]},{"name":"clear","type":"pure-token","token":"CLEAR"}]}]}}
)ferrite_ext";
// clang-format on
}  // namespace

const char* FerriteExtensionData() { return kFerriteExtensions; }

}  // namespace ferrite::server
