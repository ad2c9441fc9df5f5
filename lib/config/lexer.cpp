#include "config/lexer.h"

#include <cctype>

namespace havip::config {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
bool isOctal(char c) { return c >= '0' && c <= '7'; }
bool isHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

// Decodes the escape whose backslash is at text[i]; text[i + 1] exists.
// Returns the decoded byte and leaves i on the last character consumed.
char decodeEscape(std::string_view text, std::size_t& i) {
  char c = text[++i];
  if (c == 'x' && i + 1 < text.size() && isHex(text[i + 1])) {
    unsigned value = 0;
    while (i + 1 < text.size() && isHex(text[i + 1])) value = (value << 4) | hexValue(text[++i]);
    return static_cast<char>(value & 0xff);
  }
  if (c == 'c' && i + 1 < text.size() && text[i + 1] != '\n') return static_cast<char>(text[++i] & 0x1f);
  if (isOctal(c)) {
    unsigned value = static_cast<unsigned>(c - '0');
    for (int n = 0; n < 2 && i + 1 < text.size() && isOctal(text[i + 1]); ++n)
      value = value * 8 + static_cast<unsigned>(text[++i] - '0');
    return static_cast<char>(value & 0xff);
  }
  switch (c) {
    case 'a': return '\a';
    case 'b': return '\b';
    case 'E': return '\x1b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'v': return '\v';
    default: return c;
  }
}

}  // namespace

std::vector<Token> lex(std::string_view text, const std::string& file, Diagnostics& diags) {
  std::vector<Token> out;
  std::uint32_t line = 1;
  std::size_t lineStart = 0;
  auto here = [&](std::size_t i) {
    return SourceLocation{file, line, static_cast<std::uint32_t>(i - lineStart + 1)};
  };
  auto skipToEol = [&](std::size_t& i) {
    while (i < text.size() && text[i] != '\n') ++i;
  };

  // A NUL never appears in a text file: this is a binary (a compiled file, an
  // archive, a copy gone wrong). One error, not thousands of unknown keywords.
  if (auto nul = text.find('\0'); nul != std::string_view::npos) {
    for (std::size_t k = 0; k < nul; ++k)
      if (text[k] == '\n') {
        ++line;
        lineStart = k + 1;
      }
    diags.error(here(nul), "binary data (a NUL byte): not a configuration file");
    return out;
  }

  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      out.push_back({TokenKind::Newline, "\n", "\n", here(i)});
      ++i;
      ++line;
      lineStart = i;
    } else if (isSpace(c)) {
      ++i;
    } else if (c == '#' || c == '!') {
      skipToEol(i);
    } else if (c == '{' || c == '}') {
      out.push_back({c == '{' ? TokenKind::OpenBrace : TokenKind::CloseBrace, std::string(1, c),
                     std::string(1, c), here(i)});
      ++i;
    } else {
      Token word{TokenKind::Word, {}, {}, here(i)};
      std::size_t start = i;
      while (i < text.size()) {
        c = text[i];
        if (c == '\n' || isSpace(c) || c == '{' || c == '}' || c == '#' || c == '!') break;
        if (c != '"') {
          word.text += c;
          ++i;
          continue;
        }
        std::size_t quoteAt = i++;
        bool closed = false;
        while (i < text.size() && text[i] != '\n') {
          if (text[i] == '"') {
            closed = true;
            ++i;
            break;
          }
          if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
            word.text += decodeEscape(text, i);
          } else if (text[i] == '\\') {
            break;  // a backslash cannot escape the end of the line
          } else {
            word.text += text[i];
          }
          ++i;
        }
        if (!closed) {
          // Keep the word as far as it goes so the statement does not also
          // report a missing argument; the error already fails the parse.
          diags.error(here(quoteAt), "unterminated quoted string (a quote must close on its own line)");
          skipToEol(i);
          break;
        }
      }
      word.raw = std::string(text.substr(start, i - start));
      out.push_back(std::move(word));
    }
  }
  return out;
}

bool splitCommand(std::string_view command, std::vector<std::string>& argv, std::string* error) {
  argv.clear();
  std::size_t i = 0;
  while (true) {
    while (i < command.size() && (isSpace(command[i]) || command[i] == '\n')) ++i;
    if (i >= command.size()) return true;
    std::string word;
    char quote = 0;
    while (i < command.size()) {
      char c = command[i];
      if (!quote && (isSpace(c) || c == '\n')) break;
      if (c == '\\') {
        if (i + 1 >= command.size()) {
          if (error) *error = "trailing backslash";
          return false;
        }
        word += decodeEscape(command, i);
        ++i;
      } else if (quote && c == quote) {
        quote = 0;
        ++i;
      } else if (!quote && (c == '\'' || c == '"')) {
        quote = c;
        ++i;
      } else {
        word += c;
        ++i;
      }
    }
    if (quote) {
      if (error) *error = std::string("missing closing ") + quote;
      return false;
    }
    argv.push_back(std::move(word));
  }
}

}  // namespace havip::config
