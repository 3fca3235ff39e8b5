// Ferrite's own commands and subcommands, which Redis 7.0 does not have, with metadata in the
// generator's JSON format (tools/gen_command_metadata.py) so COMMAND INFO / DOCS describe them
// like any other command. Hand-written; keep one object per line.
//
// CLIENT SETINFO LIB-NAME|LIB-VER <value> (commands/client_family.cc): Redis 7.2's command,
// which current clients send right after connecting; Ferrite answers it like 7.2 does.
// CLIENT TRACEPARENT <traceparent> [<tracestate>] | STICKY <traceparent> [<tracestate>] | CLEAR
// (commands/client_family.cc): the W3C trace context of the next command, or of every command.

namespace ferrite::server {

namespace {
// clang-format off
constexpr char kFerriteExtensions[] = R"ferrite_ext(
{"name":"client|setinfo","arity":4,"flags":["noscript","loading","stale"],"first":0,"last":0,"step":0,"acl":["@slow","@connection"],"tips":["request_policy:all_nodes","response_policy:all_succeeded"],"key_specs":[],"docs":{"summary":"Sets information specific to the client or connection (the Redis 7.2 command, which redis-py 5 and other clients send on connect)","since":"7.2.0","group":"connection","complexity":"O(1)","arguments":[{"name":"attr","type":"oneof","arguments":[{"name":"libname","type":"string","token":"LIB-NAME"},{"name":"libver","type":"string","token":"LIB-VER"}]}]}}
{"name":"client|traceparent","arity":-3,"flags":["noscript","loading","stale","fast"],"first":0,"last":0,"step":0,"acl":["@fast","@connection"],"tips":[],"key_specs":[],"docs":{"summary":"Sets the W3C trace context of the next command on the connection, or of every command with STICKY (Ferrite extension)","since":"ferrite-0.1.0","group":"connection","complexity":"O(1)","arguments":[{"name":"context","type":"oneof","arguments":[{"name":"next","type":"block","arguments":[{"name":"traceparent","type":"string"},{"name":"tracestate","type":"string","flags":["optional"]}]},{"name":"sticky","type":"block","arguments":[{"name":"sticky","type":"pure-token","token":"STICKY"},{"name":"traceparent","type":"string"},{"name":"tracestate","type":"string","flags":["optional"]}]},{"name":"clear","type":"pure-token","token":"CLEAR"}]}]}}
)ferrite_ext";
// clang-format on
}  // namespace

const char* FerriteExtensionData() { return kFerriteExtensions; }

}  // namespace ferrite::server
