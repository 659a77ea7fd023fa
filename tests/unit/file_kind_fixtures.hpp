// Special files for the file-kind tests (issue 28): a FIFO, a socket, a character and a block
// device node made at a path, and a deadline that turns a call that blocks into a failure instead
// of a hung suite.
#pragma once

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>
#include "catch_compat.hpp"

namespace lvmkit::test {

enum class NodeKind { fifo, socket, char_device, block_device };

inline const std::vector<NodeKind> all_node_kinds{NodeKind::fifo, NodeKind::socket,
                                                  NodeKind::char_device, NodeKind::block_device};

/// The words lvmkit's refusal uses for the kind (file_kind()).
inline const char* kind_words(NodeKind kind) {
    switch (kind) {
        case NodeKind::fifo:
            return "a FIFO (named pipe)";
        case NodeKind::socket:
            return "a socket";
        case NodeKind::char_device:
            return "a character device";
        case NodeKind::block_device:
            return "a block device";
    }
    return "?";
}

/// Makes a node of @p kind at @p path: mkfifo; a bound AF_UNIX socket (the node outlives the
/// closed socket); mknod of /dev/null's (1:3) and /dev/loop0's (7:0) numbers. Returns false only
/// when device nodes can not be made (not root); anything else failing is an error.
inline bool make_node(NodeKind kind, const std::string& path) {
    switch (kind) {
        case NodeKind::fifo:
            return ::mkfifo(path.c_str(), 0600) == 0;
        case NodeKind::socket: {
            const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_un address{};
            address.sun_family = AF_UNIX;
            if (fd < 0 || path.size() >= sizeof(address.sun_path))
                return false;
            std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
            const bool bound =
                ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
            ::close(fd);
            return bound;
        }
        case NodeKind::char_device:
            return ::mknod(path.c_str(), S_IFCHR | 0600, ::makedev(1, 3)) == 0;
        case NodeKind::block_device:
            return ::mknod(path.c_str(), S_IFBLK | 0600, ::makedev(7, 0)) == 0;
    }
    return false;
}

/// make_node(), skipping (with a warning) only a device node when this is not root.
inline bool made_node(NodeKind kind, const std::string& path) {
    if (make_node(kind, path))
        return true;
    const int err = errno;
    const bool device = kind == NodeKind::char_device || kind == NodeKind::block_device;
    if (device && (err == EPERM || err == EACCES)) {
        WARN("not root: no " << kind_words(kind) << " node can be made, that kind is skipped");
        return false;
    }
    FAIL("can not make " << kind_words(kind) << " at " << path << ": " << std::strerror(err));
    return false;
}

/// SIGALRM after @p seconds, without SA_RESTART: an open() or read() blocked on a FIFO returns
/// EINTR, so a regression fails its test instead of hanging the suite. Also measures the time.
class Deadline {
  public:
    explicit Deadline(unsigned seconds) : start_(std::chrono::steady_clock::now()) {
        struct sigaction action {};
        action.sa_handler = [](int) {};
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;
        ::sigaction(SIGALRM, &action, &previous_);
        ::alarm(seconds);
    }
    ~Deadline() {
        ::alarm(0);
        ::sigaction(SIGALRM, &previous_, nullptr);
    }
    Deadline(const Deadline&) = delete;
    Deadline& operator=(const Deadline&) = delete;
    double elapsed_seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

  private:
    std::chrono::steady_clock::time_point start_;
    struct sigaction previous_ {};
};

}  // namespace lvmkit::test
