// relflow-webhook URL TIMEOUT-SECONDS: POSTs stdin (a JSON event) to URL and prints the HTTP
// status. relflow runs it for each `[[notify]] url`. It is a program of its own so that only
// it links FoundationNetworking and libcurl: relflow itself, which runs on every commit as a
// git hook, starts without loading libcurl and its twenty libraries (3 ms a run).
//
// Exit 0: a 2xx answer; 1: another answer; 2: no answer (the reason on stderr).
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

let arguments = CommandLine.arguments
guard arguments.count == 3, let url = URL(string: arguments[1]), let timeout = Double(arguments[2]), timeout > 0 else {
    FileHandle.standardError.write(Data("usage: relflow-webhook URL TIMEOUT-SECONDS < event.json\n".utf8))
    exit(2)
}
let body = FileHandle.standardInput.readDataToEndOfFile()
var request = URLRequest(url: url, timeoutInterval: timeout)
request.httpMethod = "POST"
request.setValue("application/json", forHTTPHeaderField: "Content-Type")
request.setValue("relflow", forHTTPHeaderField: "User-Agent")
request.httpBody = body
let configuration = URLSessionConfiguration.ephemeral
configuration.timeoutIntervalForRequest = timeout
configuration.timeoutIntervalForResource = timeout
let session = URLSession(configuration: configuration)

final class Outcome: @unchecked Sendable {
    var status = 0
    var error: String?
}
let outcome = Outcome()
let done = DispatchSemaphore(value: 0)
session.dataTask(with: request) { _, response, error in
    if let error { outcome.error = error.localizedDescription }
    outcome.status = (response as? HTTPURLResponse)?.statusCode ?? 0
    done.signal()
}.resume()
done.wait()
if let error = outcome.error {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
}
print("HTTP \(outcome.status)")
exit((200..<300).contains(outcome.status) ? 0 : 1)
