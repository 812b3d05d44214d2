// A small libcurl client for tests that talk to releasebot's HttpServer over loopback: one
// request, its status, headers and body. Header-only; every call is its own connection.
// raw_exchange() sends bytes as they are, for what libcurl would not send or would hide.
#pragma once

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace releasebot::test {

struct HttpResult {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // names lower-cased
};

inline HttpResult http_call(const std::string& method, const std::string& url,
                            const std::vector<std::string>& headers = {},
                            const std::string& body = {}) {
    CURL* curl = curl_easy_init();
    if (!curl) throw std::runtime_error("curl_easy_init failed");
    HttpResult r;
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (list) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    if (method == "POST" || !body.empty()) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    auto write = +[](char* p, size_t size, size_t n, void* out) -> size_t {
        static_cast<std::string*>(out)->append(p, size * n);
        return size * n;
    };
    auto header = +[](char* p, size_t size, size_t n, void* out) -> size_t {
        std::string line(p, size * n);
        auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string name = line.substr(0, colon);
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::string value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
            while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
                value.pop_back();
            (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
        }
        return size * n;
    };
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) throw std::runtime_error(std::string("curl: ") + curl_easy_strerror(rc));
    return r;
}

// Sends raw bytes to the listener at `base` ("http://127.0.0.1:<port>") and returns everything
// it answered until it closed the connection (or was silent for 5 s).
inline std::string raw_exchange(const std::string& base, const std::string& bytes) {
    const int port = std::stoi(base.substr(base.rfind(':') + 1));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(bytes.size())) {
        ::close(fd);
        throw std::runtime_error("could not send to " + base);
    }
    std::string answer;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, n);
    ::close(fd);
    return answer;
}

// A HEAD request for `path`, sent raw so that a body after the headers (which HEAD must not
// have) shows: the status line and headers, and whatever followed them.
struct HeadAnswer {
    std::string head;   // status line and headers
    std::string after;  // bytes after the blank line: empty when the server is right
};
inline HeadAnswer head_request(const std::string& base, const std::string& path) {
    const std::string all = raw_exchange(
        base, "HEAD " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    const auto end = all.find("\r\n\r\n");
    if (end == std::string::npos) return {all, ""};
    return {all.substr(0, end), all.substr(end + 4)};
}

}  // namespace releasebot::test
