namespace Orchestrator.Coordinator.Web;

/// <summary>Markup that is already safe (built by an <see cref="HtmlWriter"/> or a constant), inserted as is.</summary>
public readonly record struct HtmlMarkup(string Value);
