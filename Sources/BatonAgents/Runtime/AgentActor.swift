import BatonConnectors
import BatonCore
import BatonIdentity

/// One agent at run time: its definition and brain, taking one step at a time until the
/// brain answers or the step limit is reached.
actor AgentActor {
    let definition: AgentDefinition
    let brain: any Brain
    /// Hops this agent has run, for stats.
    private(set) var invocations = 0

    init(definition: AgentDefinition, brain: any Brain) {
        self.definition = definition
        self.brain = brain
    }

    func run(input: String, hop: Hop) async throws(AgentError) -> AgentAnswer {
        invocations += 1
        var situation = BrainSituation(
            agent: definition.id.rawValue, description: definition.description, input: input, tools: tools(hop),
            delegates: definition.delegates.map { ($0.agent.rawValue, hop.services.catalog[$0.agent]?.description ?? $0.agent.rawValue) }, steps: [])
        for _ in 0..<definition.maximumSteps {
            switch try await brain.decide(situation) {
            case .answer(let text, let data):
                hop.invocation.events(.answered(agent: definition.id.rawValue, text: text))
                return AgentAnswer(text: text, data: data, chainID: hop.position.chainID, hops: [])
            case .callTool(let name, let arguments):
                let result = try await hop.callTool(name, arguments: arguments)
                situation.steps.append(
                    BrainStep(decision: .callTool(name: name, arguments: arguments), resultText: result.summary, resultData: result.content))
            case .delegate(let agent, let input):
                let answer = try await hop.delegate(to: agent, input: input)
                situation.steps.append(BrainStep(decision: .delegate(agent: agent, input: input), resultText: answer.text, resultData: answer.data))
            }
        }
        throw .stepLimit(agent: definition.id.rawValue, steps: definition.maximumSteps)
    }

    /// The tools the agent may call, named `connector.tool` for the brain, in the order its definition gives.
    private func tools(_ hop: Hop) -> [ToolDefinition] {
        AgentCatalog.allowedTools(of: definition, connectors: hop.services.connectors).compactMap { name in
            guard let qualified = ToolName(name), var tool = hop.services.connectors[qualified.connector]?.tool(named: qualified.tool) else {
                return nil
            }
            tool.name = name
            return tool
        }
    }
}
