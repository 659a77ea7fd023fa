// dmeventd's FIFO protocol, client side, for the one question the hot path asks (see
// internal/dmeventd_client.hpp). A message is two big-endian 32-bit words (command, data size)
// and the data: "<pid>:<seq> <dso> <uuid> <event mask> <timeout>" for a request; the reply
// carries the result in the command word (0, or a negative errno) and "<pid>:<seq> <dso> <uuid>
// <mask>" when the device is registered.
#include "internal/dmeventd_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <thread>
#include <vector>

namespace lvmkit::dm::internal {
namespace {

using Clock = std::chrono::steady_clock;

// lvm2 daemons/dmeventd/dmeventd.h and libdevmapper-event.h (the protocol has not changed from
// 2.02 to 2.03.31).
constexpr std::uint32_t kCmdGetRegisteredDevice = 4;
constexpr unsigned kEventAllErrors = 0x00FF00;
constexpr unsigned kRegistrationPending = 0x1000000;
constexpr std::size_t kMaxReply = 4096;

// Each request's id; dmeventd echoes it, so a stale reply of an earlier, abandoned client is told
// apart from ours.
std::atomic<unsigned> g_sequence{0};

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

int remaining_ms(Clock::time_point end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// As libdevmapper-event uses them: root's FIFOs, so no other user can answer for dmeventd.
bool root_fifo(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode) &&
           (st.st_uid == 0 || st.st_uid == ::geteuid()) && (st.st_mode & 0077) == 0;
}

// Waits for @p events on @p fd until @p end; false at the deadline or on an error.
bool wait_for(int fd, short events, Clock::time_point end) {
    pollfd pfd{fd, events, 0};
    for (;;) {
        const int ret = ::poll(&pfd, 1, remaining_ms(end));
        if (ret > 0)
            return (pfd.revents & events) != 0;
        if (ret == 0 || errno != EINTR)
            return false;
    }
}

bool write_all(int fd, const std::string& bytes, Clock::time_point end) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return false;
        if (!wait_for(fd, POLLOUT, end))
            return false;
    }
    return true;
}

bool read_exact(int fd, char* out, std::size_t size, Clock::time_point end) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::read(fd, out + done, size - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return false;
        if (!wait_for(fd, POLLIN, end))
            return false;
    }
    return true;
}

// A reply left in the server FIFO by a client that gave up on it (libdevmapper-event drains too).
void drain(int fd) {
    char buffer[256];
    while (::read(fd, buffer, sizeof buffer) > 0) {
    }
}

struct Reply {
    std::int32_t result = 0;
    std::string data;
};

std::optional<Reply> read_reply(int fd, Clock::time_point end) {
    std::uint32_t header[2];
    if (!read_exact(fd, reinterpret_cast<char*>(header), sizeof header, end))
        return std::nullopt;
    const std::uint32_t size = ntohl(header[1]);
    if (size > kMaxReply)
        return std::nullopt;
    Reply reply;
    reply.result = static_cast<std::int32_t>(ntohl(header[0]));
    reply.data.resize(size);
    if (size > 0 && !read_exact(fd, reply.data.data(), size, end))
        return std::nullopt;
    // dmeventd counts the terminating NUL of its asprintf'd text in some replies.
    while (!reply.data.empty() && reply.data.back() == '\0')
        reply.data.pop_back();
    return reply;
}

// The server FIFO's flock is how dmeventd's clients take turns; a busy one is retried until the
// deadline (LVM holds it for one request at a time).
bool lock_turn(int fd, Clock::time_point end) {
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR)
            return false;
        if (remaining_ms(end) == 0)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

}  // namespace

std::optional<DmeventdRegistration> dmeventd_registration_at(const std::string& client_fifo,
                                                             const std::string& server_fifo,
                                                             const std::string& dso,
                                                             const std::string& uuid,
                                                             std::chrono::milliseconds deadline) {
    const auto end = Clock::now() + deadline;
    if (dso.find_first_of(" \t\n") != std::string::npos ||
        uuid.find_first_of(" \t\n") != std::string::npos || dso.empty() || uuid.empty())
        return std::nullopt;
    if (!root_fifo(client_fifo) || !root_fifo(server_fifo))
        return std::nullopt;
    // Anyone listening? Opening a FIFO's write end without a reader fails (ENXIO): no dmeventd.
    {
        const Fd probe(::open(client_fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
        if (probe.get() < 0)
            return std::nullopt;
    }
    const Fd server(::open(server_fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (server.get() < 0 || !lock_turn(server.get(), end))
        return std::nullopt;
    // Read-write, as libdevmapper-event opens it: a dmeventd that exits meanwhile gives no SIGPIPE.
    const Fd client(::open(client_fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (client.get() < 0)
        return std::nullopt;
    drain(server.get());

    const std::string id =
        std::to_string(::getpid()) + ":" + std::to_string(g_sequence.fetch_add(1) + 1000000);
    // With its terminating NUL, counted in the size (libdevmapper-event sends dm_asprintf's
    // length): dmeventd parses the text in place with strchr/strlen and adds none of its own.
    const std::string data = id + " " + dso + " " + uuid + " " + std::to_string(kEventAllErrors) +
                             " 0" + std::string(1, '\0');
    std::string message(8, '\0');
    const std::uint32_t header[2] = {htonl(kCmdGetRegisteredDevice),
                                     htonl(static_cast<std::uint32_t>(data.size()))};
    std::memcpy(message.data(), header, sizeof header);
    message += data;
    if (!write_all(client.get(), message, end))
        return std::nullopt;
    for (;;) {
        const auto reply = read_reply(server.get(), end);
        if (!reply)
            return std::nullopt;
        if (reply->data.compare(0, id.size() + 1, id + " ") != 0)
            continue;  // someone else's stale reply: ours follows
        if (reply->result == -ENOENT)
            return DmeventdRegistration::not_registered;
        if (reply->result != 0)
            return std::nullopt;
        std::istringstream fields(reply->data.substr(id.size() + 1));
        std::string reply_dso;
        std::string reply_uuid;
        long long mask = -1;
        if (!(fields >> reply_dso >> reply_uuid >> mask) || reply_uuid != uuid || mask < 0)
            return std::nullopt;
        if ((static_cast<unsigned long long>(mask) & kRegistrationPending) != 0)
            return DmeventdRegistration::pending;
        return mask != 0 ? DmeventdRegistration::registered : DmeventdRegistration::not_registered;
    }
}

std::optional<DmeventdRegistration> dmeventd_registration(const std::string& dso,
                                                          const std::string& uuid,
                                                          std::chrono::milliseconds deadline) {
    return dmeventd_registration_at("/run/dmeventd-client", "/run/dmeventd-server", dso, uuid,
                                    deadline);
}

}  // namespace lvmkit::dm::internal
