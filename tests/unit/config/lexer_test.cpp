// The lexer: positions, comments, quotes and escapes, braces, script splitting.
#include "config/lexer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace havip::config {
namespace {

using ::testing::ElementsAre;

struct Tok {
  TokenKind kind;
  std::string text;
  std::uint32_t line;
  std::uint32_t column;
  bool operator==(const Tok&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Tok& t) {
  return os << int(t.kind) << " '" << t.text << "' " << t.line << ":" << t.column;
}

std::vector<Tok> lexAll(std::string_view text, Diagnostics& d) {
  std::vector<Tok> out;
  for (const auto& t : lex(text, "f.conf", d)) {
    EXPECT_EQ(t.where.file, "f.conf");
    out.push_back({t.kind, t.text, t.where.line, t.where.column});
  }
  return out;
}

constexpr auto W = TokenKind::Word;
constexpr auto NL = TokenKind::Newline;
constexpr auto OB = TokenKind::OpenBrace;
constexpr auto CB = TokenKind::CloseBrace;

TEST(Lexer, PositionsAreOneBasedAndTabsCountOne) {
  Diagnostics d;
  auto toks = lexAll("a bc\n\t{x}\n  priority  100", d);
  EXPECT_TRUE(d.errors.empty());
  EXPECT_THAT(toks, ElementsAre(Tok{W, "a", 1, 1}, Tok{W, "bc", 1, 3}, Tok{NL, "\n", 1, 5}, Tok{OB, "{", 2, 2},
                                Tok{W, "x", 2, 3}, Tok{CB, "}", 2, 4}, Tok{NL, "\n", 2, 5}, Tok{W, "priority", 3, 3},
                                Tok{W, "100", 3, 13}));
}

TEST(Lexer, BracesAreTokensEvenWhenGlued) {
  Diagnostics d;
  auto toks = lexAll("virtual_ipaddress {10.11.12.99}", d);
  EXPECT_THAT(toks, ElementsAre(Tok{W, "virtual_ipaddress", 1, 1}, Tok{OB, "{", 1, 19}, Tok{W, "10.11.12.99", 1, 20},
                                Tok{CB, "}", 1, 31}));
}

TEST(Lexer, HashAndBangCommentsRunToEndOfLineFromAnywhere) {
  Diagnostics d;
  auto toks = lexAll("! whole line\npriority 100 # trailing\nab!cd\nx#y z\n", d);
  EXPECT_THAT(toks, ElementsAre(Tok{NL, "\n", 1, 13}, Tok{W, "priority", 2, 1}, Tok{W, "100", 2, 10},
                                Tok{NL, "\n", 2, 24}, Tok{W, "ab", 3, 1}, Tok{NL, "\n", 3, 6}, Tok{W, "x", 4, 1},
                                Tok{NL, "\n", 4, 6}));
}

TEST(Lexer, QuotedStringsKeepSpacesAndCommentCharacters) {
  Diagnostics d;
  auto toks = lex(R"(script "/bin/check a # b ! c" tail)", "f.conf", d);
  ASSERT_EQ(toks.size(), 3u);
  EXPECT_EQ(toks[1].text, "/bin/check a # b ! c");
  EXPECT_EQ(toks[1].raw, R"("/bin/check a # b ! c")");
  EXPECT_EQ(toks[1].where.column, 8u);
  EXPECT_EQ(toks[2].text, "tail");
  EXPECT_EQ(toks[2].where.column, 31u);
}

TEST(Lexer, GluedQuotedPartsJoinOneWord) {
  // keepalived.conf(5): abcd" efg h jkl "mnop is the single string "abcd efg h jkl mnop".
  Diagnostics d;
  auto toks = lex(R"(abcd" efg h jkl "mnop)", "f.conf", d);
  ASSERT_EQ(toks.size(), 1u);
  EXPECT_EQ(toks[0].text, "abcd efg h jkl mnop");
}

TEST(Lexer, EscapesInsideQuotes) {
  Diagnostics d;
  auto toks = lex(R"("\a\b\E\f\n\r\t\v|\101\60|\x41\x4a|\cA|\q\\\"")", "f.conf", d);
  ASSERT_EQ(toks.size(), 1u);
  EXPECT_EQ(toks[0].text, std::string("\a\b\x1b\f\n\r\t\v|A0|AJ|\x01|q\\\""));
  EXPECT_TRUE(d.errors.empty());
}

TEST(Lexer, BackslashOutsideQuotesIsLiteral) {
  Diagnostics d;
  auto toks = lex(R"(a\nb)", "f.conf", d);
  ASSERT_EQ(toks.size(), 1u);
  EXPECT_EQ(toks[0].text, "a\\nb");
}

TEST(Lexer, UnterminatedQuoteIsAnErrorAtTheQuoteAndTheNextLineStillLexes) {
  Diagnostics d;
  auto toks = lexAll("auth_pass \"abc\npriority 1\n", d);
  ASSERT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.errors[0].toString(), "f.conf:1:11: unterminated quoted string (a quote must close on its own line)");
  EXPECT_THAT(toks, ElementsAre(Tok{W, "auth_pass", 1, 1}, Tok{W, "abc", 1, 11}, Tok{NL, "\n", 1, 15}, Tok{W, "priority", 2, 1},
                                Tok{W, "1", 2, 10}, Tok{NL, "\n", 2, 11}));
}

TEST(Lexer, CarriageReturnsAreWhitespace) {
  Diagnostics d;
  auto toks = lexAll("priority 100\r\n", d);
  EXPECT_THAT(toks, ElementsAre(Tok{W, "priority", 1, 1}, Tok{W, "100", 1, 10}, Tok{NL, "\n", 1, 14}));
}

TEST(SplitCommand, SpacesSeparateSingleAndDoubleQuotesGroup) {
  std::vector<std::string> argv;
  std::string why;
  ASSERT_TRUE(splitCommand(R"(/bin/check 'a b'  c "d e" f\ g)", argv, &why));
  EXPECT_THAT(argv, ElementsAre("/bin/check", "a b", "c", "d e", "f g"));
}

TEST(SplitCommand, UnterminatedQuoteFails) {
  std::vector<std::string> argv;
  std::string why;
  EXPECT_FALSE(splitCommand("/bin/check 'a b", argv, &why));
  EXPECT_EQ(why, "missing closing '");
  EXPECT_FALSE(splitCommand("x\\", argv, &why));
  EXPECT_EQ(why, "trailing backslash");
}

}  // namespace
}  // namespace havip::config
