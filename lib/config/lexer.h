// The keepalived.conf lexer: words, braces and line ends with their positions.
// Pure (no file access): include expansion lives in the parser's loader.
//
// - Whitespace separates words; `{` and `}` are tokens of their own even when
//   glued to a word (`{10.11.12.99}`).
// - `#` and `!` outside double quotes start a comment running to the end of the
//   line, anywhere in a line (keepalived.conf(5)).
// - "..." groups text, spaces included; a quoted part glued to unquoted text
//   joins the same word (`ab" c "d` is one word `ab c d`). Inside quotes the
//   escapes keepalived documents are decoded: \a \b \E \f \n \r \t \v, \nnn
//   (up to 3 octal digits), \xXX (hex digits), \cC (control-C), \C (C itself).
//   A quote must close on its own line.
// - Single quotes are ordinary characters here; they only group arguments when
//   a script command is split (splitCommand).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"

namespace havip::config {

enum class TokenKind { Word, OpenBrace, CloseBrace, Newline, End };

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;  // decoded: quotes removed, escapes applied
  std::string raw;   // exactly as written in the file
  SourceLocation where;
};

// Tokens of one file, Newline tokens included, no End token. Lexical errors
// (unterminated quote) are reported and the rest of that line is dropped.
std::vector<Token> lex(std::string_view text, const std::string& file, Diagnostics& diags);

// Splits a script command the way keepalived does before exec'ing it: unquoted
// whitespace separates arguments, '...' and "..." group (quotes removed), a
// backslash escape (same set as above) works everywhere. Returns false and
// sets *error on an unterminated quote or a trailing backslash.
bool splitCommand(std::string_view command, std::vector<std::string>& argv, std::string* error);

}  // namespace havip::config
