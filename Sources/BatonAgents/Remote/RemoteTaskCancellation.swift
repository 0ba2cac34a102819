/// Cancels an A2A agent's task for a chain that was canceled: at once when the agent has
/// named the task, else the moment it does. Once at most.
actor RemoteTaskCancellation {
    private let cancel: @Sendable (String) async -> Void
    private var taskID: String?
    private var requested = false
    private var sent = false

    init(cancel: @escaping @Sendable (String) async -> Void) {
        self.cancel = cancel
    }

    /// The agent named its task.
    func named(_ id: String) async {
        guard taskID == nil else { return }
        taskID = id
        await sendIfDue()
    }

    /// The chain was canceled.
    func request() async {
        requested = true
        await sendIfDue()
    }

    private func sendIfDue() async {
        guard requested, !sent, let taskID else { return }
        sent = true
        await cancel(taskID)
    }
}
