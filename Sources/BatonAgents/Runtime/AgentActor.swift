import BatonConnectors
import BatonCore
import BatonIdentity

/// One agent at run time: its definition and brain, taking one step at a time until the
/// brain answers or the step limit is reached.
actor AgentActor {
    let definition: AgentDefinition
    let brain: any Brain
    /// The tools the brain is offered, named `connector.tool`, in the order the definition gives.
    private let tools: [ToolDefinition]
    /// The delegates the brain is offered, with their descriptions.
    private let delegates: [(id: String, description: String)]
    /// Hops this agent has run, for stats.
    private(set) var invocations = 0

    /// Resolves what the brain is offered once, from the definitions the runtime was built with.
    init(definition: AgentDefinition, brain: any Brain, catalog: AgentCatalog, connectors: ConnectorCatalog) {
        self.definition = definition
        self.brain = brain
        self.tools = AgentCatalog.allowedTools(of: definition, connectors: connectors).compactMap { name in
            guard let qualified = ToolName(name), var tool = connectors[qualified.connector]?.tool(named: qualified.tool) else { return nil }
            tool.name = name
            return tool
        }
        self.delegates = definition.delegates.map { ($0.agent.rawValue, catalog[$0.agent]?.description ?? $0.agent.rawValue) }
    }

    func run(input: String, hop: Hop) async throws(AgentError) -> AgentAnswer {
        invocations += 1
        var situation = BrainSituation(
            agent: definition.id.rawValue, description: definition.description, input: input, tools: tools, delegates: delegates, steps: [])
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
}
