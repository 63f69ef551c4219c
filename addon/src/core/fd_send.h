// One payload and one file descriptor (SCM_RIGHTS, on the first chunk) over an AF_UNIX
// socket: the pty master to the runtime, an fd to a console socket, a seccomp listener
// to its agent.
#pragma once
#include <string>

namespace ocirt {

// Sends all of payload (which must not be empty) with fd attached; 0, or the errno.
int send_with_fd(int sock, const std::string& payload, int fd);

}  // namespace ocirt
