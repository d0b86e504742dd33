namespace Orchestrator.Worker.Engine.Data.Readers;

/// <summary>A caption or annotation file that cannot be read as its declared format; the message names file and place.</summary>
public sealed class DatasetFormatException : Exception
{
    public DatasetFormatException(string message) : base(message)
    {
    }

    public DatasetFormatException(string message, Exception inner) : base(message, inner)
    {
    }

    public DatasetFormatException()
    {
    }
}
