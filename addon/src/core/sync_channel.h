// The sync channel between the runtime (Node) and the init: a unix stream socket.
// Runtime → init: 4-byte little-endian length + JSON. Init → runtime: one JSON object
// per line. See src/lifecycle/sync-protocol.ts for the message sequence.
#pragma once
#include <string>

#include "core/json.h"

namespace ocirt {

bool send_line(int fd, const std::string& json_line);
// Reads one framed message; dies with a report on EOF or a malformed message.
JsonValue receive_message(int fd, const char* expected_type);
// Sends {"type":T} and waits for {"type":"ack"}.
void request_and_wait(int fd, const std::string& request_json);

}  // namespace ocirt
