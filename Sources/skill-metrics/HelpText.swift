/// Help text kept as hard-wrapped paragraphs in the source, reflowed for
/// swift-argument-parser, which wraps every line at the terminal's width itself (a source line
/// of 90 columns otherwise came out as 80 columns plus a fragment of one word).
enum HelpText {
    /// Joins the lines of each paragraph with spaces; paragraphs stay separated by a blank
    /// line. A line that starts with whitespace, `- `, `* ` or `$ ` (an example or a list
    /// item) starts a line of its own, and a line after an indented one is not joined to it.
    static func reflow(_ text: String) -> String {
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let startsOwnLine = line.isEmpty || line.first?.isWhitespace == true
                || ["- ", "* ", "$ "].contains { line.hasPrefix($0) }
            if !startsOwnLine, let previous = lines.last, !previous.isEmpty, previous.first?.isWhitespace == false {
                lines[lines.count - 1] = previous + " " + line
            } else {
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }
}
