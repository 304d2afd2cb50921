// afk-viewer-probe: the room-broadcast spread of a Socket.IO server as the kernel saw it
// (tests/bench/viewer-bench.mjs runs it against afk-studio and the Node socket.io server).
//
// Why a C++ client: the Node viewers of viewer-bench.mjs stamp an event when their JavaScript gets
// to it, and with 10,000 sockets on 2 cores most of the spread they measured was their own queue
// (Node's server and ours both measured ~0.8 s p99). Here each viewer is a plain socket on one
// epoll set, and an event's time is the kernel's receive timestamp (SO_TIMESTAMPNS, taken when
// the segment reached the viewer's socket), so what is measured is when the server's send()
// happened, not when this client read it (the probe polls, so its read times say nothing; without
// kernel timestamps the read time stands in, and "kernelStamps" says false).
//
// Each viewer: TCP connect, WebSocket upgrade (GET /socket.io/?EIO=4&transport=websocket),
// Engine.IO open → "40" → "40{sid}", then `42["join-stream",{"streamKey":K}]`; answers every
// ping ("2" → "3"). Events named --event carry a counter (--counter, default segmentCount).
// Prints one JSON line: viewers, events, delivered, expected, and under "kernel" the p50 / p99 of
// each arrival after the event's first, the largest first-to-last spread, each event's spread and
// the pings that arrived near it.
//   afk-viewer-probe --port N [--viewers 10000] [--stream-key K] [--events 10]
//                    [--event stream-segments-updated] [--counter segmentCount]
//                    [--poll-interval-ms 250]
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

struct Options {
    int port = 0;
    int viewers = 10000;
    std::string streamKey = "benchroom";
    int events = 10;
    std::string event = "stream-segments-updated";
    std::string counter = "segmentCount";
    int pollIntervalMs = 250;
};

enum class Stage { Connecting, Upgrading, Opening, Connected, Dead };

struct Viewer {
    int descriptor = -1;
    Stage stage = Stage::Connecting;
    std::string input;   // bytes received and not yet parsed
    std::string output;  // bytes the kernel did not take yet
};

double realtimeMs()
{
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return double(now.tv_sec) * 1e3 + double(now.tv_nsec) / 1e6;
}

[[noreturn]] void die(const std::string &message)
{
    std::fprintf(stderr, "afk-viewer-probe: %s\n", message.c_str());
    std::exit(1);
}

class Probe
{
public:
    explicit Probe(Options options) : m_options(std::move(options)), m_viewers(size_t(m_options.viewers))
    {
        m_epoll = epoll_create1(EPOLL_CLOEXEC);
        if (m_epoll < 0)
            die(std::string("epoll_create1: ") + strerror(errno));
    }

    int run()
    {
        connectAll();
        joinAll();
        m_isPolling = m_options.pollIntervalMs > 0;
        // Events every viewer can have received are the ones after all joined: skip what is in
        // flight, then count the next --events.
        pumpFor(5000);
        const long firstCounted = m_highestCounter + 1;
        const long lastCounted = firstCounted + m_options.events - 1;
        const double deadline = realtimeMs() + (m_options.events + 10) * 4000.0;
        while (m_highestCounter < lastCounted + 1 && realtimeMs() < deadline)
            pumpFor(200);
        pumpFor(3000); // stragglers of the last counted event
        report(firstCounted, lastCounted);
        return 0;
    }

private:
    void connectAll()
    {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(uint16_t(m_options.port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        constexpr int maxInFlight = 256; // connects not yet answered, so the listen queue is not the test
        size_t next = 0;
        const double deadline = realtimeMs() + 180000;
        while (size_t(connectedCount() + deadCount()) < m_viewers.size()) {
            while (next < m_viewers.size() && int(next) - connectedCount() - deadCount() < maxInFlight) {
                Viewer &viewer = m_viewers[next];
                viewer.descriptor = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (viewer.descriptor < 0)
                    die(std::string("socket: ") + strerror(errno) + " (raise ulimit -n)");
                const int on = 1;
                setsockopt(viewer.descriptor, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
                setsockopt(viewer.descriptor, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
                if (connect(viewer.descriptor, reinterpret_cast<sockaddr *>(&address), sizeof address) < 0
                    && errno != EINPROGRESS)
                    die(std::string("connect: ") + strerror(errno));
                epoll_event interest{};
                interest.events = EPOLLIN | EPOLLOUT;
                interest.data.u64 = next;
                epoll_ctl(m_epoll, EPOLL_CTL_ADD, viewer.descriptor, &interest);
                ++next;
            }
            pumpFor(50);
            if (realtimeMs() > deadline)
                die("viewers not connected within 180 s");
        }
        std::fprintf(stderr, "afk-viewer-probe: %d connected, %d failed\n", connectedCount(), deadCount());
    }

    void joinAll()
    {
        const std::string join = "42[\"join-stream\",{\"userId\":\"viewer\",\"streamKey\":\"" + m_options.streamKey + "\"}]";
        for (Viewer &viewer : m_viewers)
            if (viewer.stage == Stage::Connected)
                sendText(viewer, join);
    }

    int connectedCount() const { return m_connected; }
    int deadCount() const { return m_dead; }

    void pumpFor(int milliseconds)
    {
        const double until = realtimeMs() + milliseconds;
        epoll_event ready[512];
        for (;;) {
            // Once the room is joined the probe polls instead of sleeping in epoll_wait: a waiter
            // would be woken by every viewer's event and take the CPU the server's sends need
            // (on loopback both share the machine); the kernel's timestamps keep arrival times.
            const int wait = m_isPolling ? 0 : int(std::max(0.0, until - realtimeMs()));
            const int count = epoll_wait(m_epoll, ready, 512, wait);
            if (count == 0 && m_isPolling) {
                const double rest = std::min(double(m_options.pollIntervalMs), until - realtimeMs());
                if (rest > 0)
                    usleep(useconds_t(rest * 1000));
            }
            if (count < 0 && errno != EINTR)
                die(std::string("epoll_wait: ") + strerror(errno));
            for (int i = 0; i < count; ++i) {
                Viewer &viewer = m_viewers[ready[i].data.u64];
                if (ready[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                    onWritable(viewer);
                if (ready[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                    onReadable(viewer);
            }
            if (realtimeMs() >= until)
                return;
        }
    }

    void onWritable(Viewer &viewer)
    {
        if (viewer.stage == Stage::Connecting) {
            int error = 0;
            socklen_t length = sizeof error;
            getsockopt(viewer.descriptor, SOL_SOCKET, SO_ERROR, &error, &length);
            if (error != 0)
                return kill(viewer, std::string("connect: ") + strerror(error));
            viewer.stage = Stage::Upgrading;
            write(viewer, "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:"
                              + std::to_string(m_options.port)
                              + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            return;
        }
        flush(viewer);
    }

    void onReadable(Viewer &viewer)
    {
        if (viewer.stage == Stage::Dead || viewer.stage == Stage::Connecting)
            return;
        char buffer[16384];
        char control[256];
        for (;;) {
            // While timing, a read ends where the next frame ends: the timestamp the kernel gives
            // is that of the last segment read, so a ping read together with an event would
            // otherwise date the event.
            const size_t wanted = m_isPolling && viewer.stage == Stage::Connected
                ? std::min(sizeof buffer, bytesToNextFrameEnd(viewer.input))
                : sizeof buffer;
            iovec vector{buffer, wanted};
            msghdr message{};
            message.msg_iov = &vector;
            message.msg_iovlen = 1;
            message.msg_control = control;
            message.msg_controllen = sizeof control;
            const ssize_t received = recvmsg(viewer.descriptor, &message, MSG_DONTWAIT);
            if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return;
            if (received <= 0)
                return kill(viewer, received == 0 ? "closed by the server" : strerror(errno));
            double kernelMs = realtimeMs();
            for (cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header))
                if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_TIMESTAMPNS) {
                    timespec stamp{};
                    std::memcpy(&stamp, CMSG_DATA(header), sizeof stamp);
                    kernelMs = double(stamp.tv_sec) * 1e3 + double(stamp.tv_nsec) / 1e6;
                    m_hasKernelStamps = true;
                }
            viewer.input.append(buffer, size_t(received));
            parse(viewer, kernelMs);
            if (viewer.stage == Stage::Dead)
                return;
        }
    }

    // How many more bytes complete the first frame in `input` (its header first, if incomplete).
    static size_t bytesToNextFrameEnd(const std::string &input)
    {
        if (input.size() < 2)
            return 2 - input.size();
        const uint8_t length = uint8_t(input[1]) & 0x7f;
        const size_t header = length == 126 ? 4 : length == 127 ? 10 : 2;
        if (input.size() < header)
            return header - input.size();
        uint64_t payload = length;
        if (length == 126)
            payload = (uint64_t(uint8_t(input[2])) << 8) | uint8_t(input[3]);
        else if (length == 127)
            for (int i = 0; i < 8; ++i)
                payload = (payload << 8) | uint8_t(input[2 + size_t(i)]);
        return std::max<size_t>(1, size_t(header + payload - input.size()));
    }

    void parse(Viewer &viewer, double kernelMs)
    {
        if (viewer.stage == Stage::Upgrading) {
            const size_t end = viewer.input.find("\r\n\r\n");
            if (end == std::string::npos)
                return;
            if (viewer.input.compare(0, 12, "HTTP/1.1 101") != 0)
                return kill(viewer, "upgrade refused: " + viewer.input.substr(0, viewer.input.find("\r\n")));
            viewer.input.erase(0, end + 4);
            viewer.stage = Stage::Opening;
        }
        size_t offset = 0;
        for (;;) {
            const std::string &in = viewer.input;
            if (in.size() - offset < 2)
                break;
            const auto byte = [&](size_t i) { return uint8_t(in[offset + i]); };
            const int opcode = byte(0) & 0x0f;
            uint64_t length = byte(1) & 0x7f;
            size_t header = 2;
            if (length == 126) {
                if (in.size() - offset < 4)
                    break;
                length = (uint64_t(byte(2)) << 8) | byte(3);
                header = 4;
            } else if (length == 127) {
                if (in.size() - offset < 10)
                    break;
                length = 0;
                for (int i = 0; i < 8; ++i)
                    length = (length << 8) | byte(2 + size_t(i));
                header = 10;
            }
            if (in.size() - offset < header + length)
                break;
            const std::string payload = in.substr(offset + header, size_t(length));
            offset += header + size_t(length);
            if (opcode == 0x8)
                return kill(viewer, "close frame from the server");
            if (opcode == 0x1)
                onText(viewer, payload, kernelMs);
            if (viewer.stage == Stage::Dead)
                return;
        }
        viewer.input.erase(0, offset);
    }

    void onText(Viewer &viewer, const std::string &text, double kernelMs)
    {
        if (text == "2") {
            sendText(viewer, "3");
            m_pingTimesMs.push_back(kernelMs);
        } else if (text[0] == '0' && viewer.stage == Stage::Opening) {
            sendText(viewer, "40");
        } else if (text.compare(0, 2, "40") == 0 && viewer.stage == Stage::Opening) {
            viewer.stage = Stage::Connected;
            ++m_connected;
        } else if (text.compare(0, 2, "44") == 0) {
            kill(viewer, "connect_error " + text);
        } else if (text.compare(0, 4 + m_options.event.size(), "42[\"" + m_options.event) == 0) {
            const std::string key = "\"" + m_options.counter + "\":";
            const size_t at = text.find(key);
            if (at == std::string::npos)
                return;
            const long counter = std::strtol(text.c_str() + at + key.size(), nullptr, 10);
            m_highestCounter = std::max(m_highestCounter, counter);
            m_arrivals[counter].push_back(kernelMs);
        }
    }

    void sendText(Viewer &viewer, const std::string &text)
    {
        // A client's frames are masked (RFC 6455 §5.3).
        std::string frame;
        frame.push_back(char(0x81));
        if (text.size() < 126) {
            frame.push_back(char(0x80 | text.size()));
        } else {
            frame.push_back(char(0x80 | 126));
            frame.push_back(char(text.size() >> 8));
            frame.push_back(char(text.size() & 0xff));
        }
        const uint32_t mask = m_random();
        const char key[4] = {char(mask), char(mask >> 8), char(mask >> 16), char(mask >> 24)};
        frame.append(key, 4);
        for (size_t i = 0; i < text.size(); ++i)
            frame.push_back(char(text[i] ^ key[i % 4]));
        write(viewer, frame);
    }

    void write(Viewer &viewer, const std::string &bytes)
    {
        viewer.output += bytes;
        flush(viewer);
    }

    void flush(Viewer &viewer)
    {
        while (!viewer.output.empty() && viewer.stage != Stage::Dead) {
            const ssize_t sent = send(viewer.descriptor, viewer.output.data(), viewer.output.size(),
                                      MSG_DONTWAIT | MSG_NOSIGNAL);
            if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            if (sent <= 0)
                return kill(viewer, std::string("send: ") + strerror(errno));
            viewer.output.erase(0, size_t(sent));
        }
        // Writes are watched only while something waits (a level-triggered EPOLLOUT would spin).
        epoll_event interest{};
        interest.events = EPOLLIN | (viewer.output.empty() ? 0u : uint32_t(EPOLLOUT));
        interest.data.u64 = uint64_t(&viewer - m_viewers.data());
        epoll_ctl(m_epoll, EPOLL_CTL_MOD, viewer.descriptor, &interest);
    }

    void kill(Viewer &viewer, const std::string &why)
    {
        if (viewer.stage == Stage::Dead)
            return;
        if (viewer.stage == Stage::Connected)
            --m_connected;
        if (m_deathsReported++ < 5)
            std::fprintf(stderr, "afk-viewer-probe: viewer %zu: %s\n", size_t(&viewer - m_viewers.data()), why.c_str());
        viewer.stage = Stage::Dead;
        ++m_dead;
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, viewer.descriptor, nullptr);
        close(viewer.descriptor);
    }

    void report(long firstCounted, long lastCounted)
    {
        std::vector<double> kernelLags;
        double kernelSpread = 0;
        size_t delivered = 0;
        std::string kernelSpreads; // per event, for a tail that is one event rather than all
        std::string pingsNearby;   // per event: pings that reached the viewers within 0.5 s of it
        std::sort(m_pingTimesMs.begin(), m_pingTimesMs.end());
        for (long counter = firstCounted; counter <= lastCounted; ++counter) {
            const std::vector<double> &times = m_arrivals[counter];
            if (times.empty())
                continue;
            delivered += times.size();
            const auto [first, last] = std::minmax_element(times.begin(), times.end());
            const double firstKernel = *first;
            const double lastKernel = *last;
            for (const double kernel : times)
                kernelLags.push_back(kernel - firstKernel);
            kernelSpread = std::max(kernelSpread, lastKernel - firstKernel);
            char spread[32];
            std::snprintf(spread, sizeof spread, "%s%.1f", kernelSpreads.empty() ? "" : ",", lastKernel - firstKernel);
            kernelSpreads += spread;
            const auto from = std::lower_bound(m_pingTimesMs.begin(), m_pingTimesMs.end(), firstKernel - 500);
            const auto to = std::upper_bound(m_pingTimesMs.begin(), m_pingTimesMs.end(), lastKernel + 500);
            pingsNearby += (pingsNearby.empty() ? "" : ",") + std::to_string(to - from);
        }
        const auto percentile = [](std::vector<double> &values, double p) {
            if (values.empty())
                return -1.0;
            std::sort(values.begin(), values.end());
            return values[std::min(values.size() - 1, size_t(p * double(values.size())))];
        };
        std::printf("{\"viewers\":%d,\"failed\":%d,\"events\":%d,\"delivered\":%zu,\"expected\":%ld,"
                    "\"kernelStamps\":%s,"
                    "\"kernel\":{\"p50\":%.1f,\"p99\":%.1f,\"maxSpread\":%.1f,\"spreads\":[%s],\"pingsNearby\":[%s]}}\n",
                    m_connected, m_dead, m_options.events, delivered, long(m_connected) * m_options.events,
                    m_hasKernelStamps ? "true" : "false", percentile(kernelLags, 0.5),
                    percentile(kernelLags, 0.99), kernelSpread, kernelSpreads.c_str(), pingsNearby.c_str());
    }

    Options m_options;
    std::vector<Viewer> m_viewers;
    std::map<long, std::vector<double>> m_arrivals; // counter -> arrival ms (kernel timestamps)
    std::vector<double> m_pingTimesMs;
    std::mt19937 m_random{std::random_device{}()};
    int m_epoll = -1;
    int m_connected = 0;
    int m_dead = 0;
    int m_deathsReported = 0;
    long m_highestCounter = -1;
    bool m_hasKernelStamps = false;
    bool m_isPolling = false;
};

Options parse(int argc, char **argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::puts("afk-viewer-probe --port N [--viewers 10000] [--stream-key K] [--events 10]\n"
                      "                 [--event stream-segments-updated] [--counter segmentCount]\n"
                      "                 [--poll-interval-ms 250] (0: sleep in epoll_wait)");
            std::exit(0);
        }
        if (i + 1 >= argc)
            die("missing value after " + flag);
        const std::string value = argv[++i];
        if (flag == "--port")
            options.port = std::atoi(value.c_str());
        else if (flag == "--viewers")
            options.viewers = std::atoi(value.c_str());
        else if (flag == "--stream-key")
            options.streamKey = value;
        else if (flag == "--events")
            options.events = std::atoi(value.c_str());
        else if (flag == "--event")
            options.event = value;
        else if (flag == "--counter")
            options.counter = value;
        else if (flag == "--poll-interval-ms")
            options.pollIntervalMs = std::atoi(value.c_str());
        else
            die("unknown flag " + flag);
    }
    if (options.port <= 0 || options.port > 65535)
        die("--port is required");
    if (options.viewers <= 0 || options.events <= 0)
        die("--viewers and --events must be positive");
    return options;
}

} // namespace

int main(int argc, char **argv)
{
    const Options options = parse(argc, argv);
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    return Probe(options).run();
}
