// The HTTP_GET response reader and MD5 on bytes: status lines, headers split
// anywhere, Content-Length, digests (RFC 1321 vectors), and every way a
// response can be garbage or too big.
#include "check/http_response.h"

#include <string>

#include <gtest/gtest.h>

#include "check/md5.h"
#include "check/probe.h"

namespace havip::check {
namespace {

using State = HttpResponseReader::State;

TEST(Md5, Rfc1321TestSuite) {
  EXPECT_EQ(Md5::hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5::hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(Md5::hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Md5::hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(Md5::hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(Md5::hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(Md5::hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5, StreamingEqualsOneShot) {
  Md5 m;
  m.update("message ");
  m.update("");
  m.update("digest");
  EXPECT_EQ(m.finalHex(), Md5::hex("message digest"));
}

TEST(StatusLine, Parses) {
  EXPECT_EQ(parseStatusLine("HTTP/1.0 200 OK"), 200);
  EXPECT_EQ(parseStatusLine("HTTP/1.1 503 Service Unavailable\r"), 503);
  EXPECT_EQ(parseStatusLine("HTTP/1.1 404"), 404);
  EXPECT_EQ(parseStatusLine("HTTP/2 200 OK"), std::nullopt);
  EXPECT_EQ(parseStatusLine("HTTP/1.1 20 OK"), std::nullopt);
  EXPECT_EQ(parseStatusLine("HTTP/1.1 2000 OK"), std::nullopt);
  EXPECT_EQ(parseStatusLine("SSH-2.0-OpenSSH_9.2"), std::nullopt);
  EXPECT_EQ(parseStatusLine(""), std::nullopt);
}

TEST(HttpResponseReader, ReadsToEofAndHashesTheBody) {
  HttpResponseReader r({}, true);
  EXPECT_EQ(r.feed("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nhello "), State::Body);
  EXPECT_EQ(r.statusCode(), 200);
  EXPECT_EQ(r.feed("world"), State::Body);
  EXPECT_EQ(r.finish(), State::Complete);
  EXPECT_EQ(r.bodyBytes(), 11u);
  EXPECT_EQ(r.digestHex(), Md5::hex("hello world"));
}

TEST(HttpResponseReader, HeadersSplitAcrossEveryBoundary) {
  const std::string response = "HTTP/1.1 302 Found\r\nContent-Length: 4\r\nX: y\r\n\r\nbody";
  for (std::size_t cut = 0; cut <= response.size(); ++cut) {
    HttpResponseReader r({}, true);
    r.feed(response.substr(0, cut));
    const auto s = r.feed(response.substr(cut));
    EXPECT_EQ(s, State::Complete) << "cut at " << cut;
    EXPECT_EQ(r.statusCode(), 302) << "cut at " << cut;
    EXPECT_EQ(r.digestHex(), Md5::hex("body")) << "cut at " << cut;
  }
}

TEST(HttpResponseReader, ContentLengthEndsTheBodyAndBoundsTheDigest) {
  HttpResponseReader r({}, true);
  EXPECT_EQ(r.feed("HTTP/1.1 200 OK\r\ncontent-length:  3 \r\n\r\nabcdef"), State::Complete);
  EXPECT_EQ(r.contentLength(), 3u);
  EXPECT_EQ(r.bodyBytes(), 3u);
  EXPECT_EQ(r.digestHex(), Md5::hex("abc"));
}

TEST(HttpResponseReader, ShortBodyIsStillJudgedAtEof) {
  HttpResponseReader r({}, true);
  r.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(r.finish(), State::Complete);
  EXPECT_EQ(r.digestHex(), Md5::hex("abc"));
}

TEST(HttpResponseReader, BareLineFeedsAreAccepted) {
  HttpResponseReader r({}, false);
  EXPECT_EQ(r.feed("HTTP/1.0 204 No Content\nA: b\n\n"), State::Body);
  EXPECT_EQ(r.finish(), State::Complete);
  EXPECT_EQ(r.statusCode(), 204);
}

TEST(HttpResponseReader, GarbageFailsAsSoonAsTheFirstLineIsKnown) {
  HttpResponseReader r({}, false);
  EXPECT_EQ(r.feed("SSH-2.0-OpenSSH_9.2\r\n"), State::Failed);
  EXPECT_EQ(r.error(), "malformed status line");
}

TEST(HttpResponseReader, EndlessHeadersFailAtTheLimit) {
  HttpResponseReader r({.maxHeaderBytes = 64, .maxBodyBytes = 1024}, false);
  EXPECT_EQ(r.feed("HTTP/1.0 200 OK\r\n"), State::Headers);
  State s = State::Headers;
  for (int i = 0; i < 100 && s == State::Headers; ++i) s = r.feed("X-Padding: aaaaaaaa\r\n");
  EXPECT_EQ(s, State::Failed);
  EXPECT_EQ(r.error(), "response headers exceed 64 bytes");
}

TEST(HttpResponseReader, BinaryNoiseWithoutNewlineFailsAtTheHeaderLimit) {
  HttpResponseReader r({.maxHeaderBytes = 4096, .maxBodyBytes = 1024}, false);
  State s = State::Headers;
  int chunks = 0;
  while (s == State::Headers && chunks < 100) {
    s = r.feed(std::string(1000, '\x01'));
    ++chunks;
  }
  EXPECT_EQ(s, State::Failed);
  EXPECT_EQ(chunks, 5);  // 4096 bytes, no more
}

TEST(HttpResponseReader, OversizedBodyFails) {
  HttpResponseReader r({.maxHeaderBytes = 4096, .maxBodyBytes = 10}, true);
  r.feed("HTTP/1.0 200 OK\r\n\r\n12345");
  EXPECT_EQ(r.feed("67890"), State::Body);
  EXPECT_EQ(r.feed("x"), State::Failed);
  EXPECT_EQ(r.error(), "response body exceeds 10 bytes");
}

TEST(HttpResponseReader, EofBeforeAnythingOrMidHeaders) {
  HttpResponseReader empty({}, false);
  EXPECT_EQ(empty.finish(), State::Failed);
  EXPECT_EQ(empty.error(), "connection closed with no response");
  HttpResponseReader half({}, false);
  half.feed("HTTP/1.0 200 OK\r\nA: b\r\n");
  EXPECT_EQ(half.finish(), State::Failed);
  EXPECT_EQ(half.error(), "connection closed before the end of the headers");
}

TEST(StatusCodes, DefaultIs200To299AndListsAndRangesAreHonoured) {
  config::HttpUrl url;
  EXPECT_TRUE(statusAccepted(url, 200));
  EXPECT_TRUE(statusAccepted(url, 299));
  EXPECT_FALSE(statusAccepted(url, 300));
  EXPECT_FALSE(statusAccepted(url, 199));
  EXPECT_EQ(describeStatusCodes(url), "200-299");
  url.statusCodes = {{200, 200}, {301, 302}};
  EXPECT_TRUE(statusAccepted(url, 301));
  EXPECT_FALSE(statusAccepted(url, 204));
  EXPECT_EQ(describeStatusCodes(url), "200,301-302");
}

TEST(FormatDuration, ReadsLikeTheConfig) {
  using namespace std::chrono_literals;
  EXPECT_EQ(formatDuration(5s), "5 s");
  EXPECT_EQ(formatDuration(1500ms), "1.5 s");
  EXPECT_EQ(formatDuration(250ms), "250 ms");
}

}  // namespace
}  // namespace havip::check
