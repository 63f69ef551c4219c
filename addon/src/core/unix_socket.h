// AF_UNIX helpers shared by the addon and ocirt-fast: connecting to a listener by path
// (however long), and receiving one message with the file descriptor it carries.
#pragma once
#include <sys/un.h>

#include <string>
#include <vector>

namespace ocirt {

// sockaddr_un for path; a path too long for sun_path is reached through an O_PATH handle
// of its directory (/proc/self/fd/N/name), whose fd (or -1) the caller closes. false
// with errno set when that fails.
bool unix_address(const std::string& path, struct sockaddr_un& addr, int& dir_fd);

// A SOCK_STREAM connection (close-on-exec) to the listener at path: 0 and fd, or the
// errno with syscall naming the call that failed.
int connect_unix(const std::string& path, int& fd, const char*& syscall);

// Waits until fd is readable: false with errno ETIMEDOUT after timeout_ms (< 0: forever).
bool wait_readable(int fd, int timeout_ms);

// One message (at most cap bytes into buf) and the fds it carries (at most max_fds, each
// close-on-exec): 0 with received and flags (MSG_TRUNC, MSG_CTRUNC) set, or the errno.
int receive_message(int sock, void* buf, size_t cap, size_t max_fds, std::vector<int>& fds, size_t& received, int& flags);

// One message and the first fd it carries (close-on-exec; further fds are closed).
// 0 with fd -1 and an empty payload at end of stream; otherwise the errno (EBADMSG: no
// fd in the message, EMSGSIZE: truncated control data).
int receive_with_fd(int sock, std::string& payload, int& fd);

}  // namespace ocirt
