/// Formats doubles exactly as Python's `repr(float)` does.
///
/// Python and Swift both print the shortest digit string that round-trips, so the digits are
/// taken from Swift's `description`; only the layout differs. Python uses positional notation
/// for decimal exponents in `-4 ..< 16` (with `.0` on integral values) and exponent notation
/// otherwise (`1e-05`, `1.5e+16`), while Swift switches at 2^53.
public enum PythonFloatFormatter {
    /// Python's `repr` of a finite double. Non-finite values give `nan`, `inf`, `-inf`
    /// (callers reject those before writing JSON).
    public static func repr(_ value: Double) -> String {
        guard value.isFinite else {
            return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf")
        }
        if value == 0 {
            return value.sign == .minus ? "-0.0" : "0.0"
        }
        let (negative, digits, exponent) = decompose(value)
        var result = negative ? "-" : ""
        if exponent >= -4 && exponent < 16 {
            if exponent < 0 {
                result += "0."
                result += String(repeating: "0", count: -exponent - 1)
                result += digits
            } else if digits.count <= exponent + 1 {
                result += digits
                result += String(repeating: "0", count: exponent + 1 - digits.count)
                result += ".0"
            } else {
                let split = digits.index(digits.startIndex, offsetBy: exponent + 1)
                result += digits[..<split]
                result += "."
                result += digits[split...]
            }
        } else {
            result += String(digits.prefix(1))
            if digits.count > 1 {
                result += "."
                result += digits.dropFirst()
            }
            result += exponent < 0 ? "e-" : "e+"
            let magnitude = exponent < 0 ? -exponent : exponent
            if magnitude < 10 { result += "0" }
            result += String(magnitude)
        }
        return result
    }

    /// Splits Swift's shortest representation into sign, significant digits (no leading or
    /// trailing zeros) and the decimal exponent of the first digit.
    static func decompose(_ value: Double) -> (negative: Bool, digits: String, exponent: Int) {
        var text = Substring(value.description)
        var negative = false
        if text.first == "-" {
            negative = true
            text = text.dropFirst()
        }
        var mantissa = text
        var exponentPart = 0
        if let eIndex = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<eIndex]
            exponentPart = Int(text[text.index(after: eIndex)...]) ?? 0
        }
        var integerPart = mantissa
        var fractionPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        }
        let allDigits = String(integerPart) + String(fractionPart)
        var exponent = integerPart.count - 1 + exponentPart
        var trimmed = Substring(allDigits)
        while trimmed.first == "0" {
            trimmed = trimmed.dropFirst()
            exponent -= 1
        }
        while trimmed.last == "0" {
            trimmed = trimmed.dropLast()
        }
        return (negative, trimmed.isEmpty ? "0" : String(trimmed), exponent)
    }
}
