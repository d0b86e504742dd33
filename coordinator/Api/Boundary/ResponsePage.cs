using Google.Protobuf;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>
/// The items of one list page, cut short when their encoded size would pass a budget: page_size alone bounds the
/// count, not the bytes, and 1,000 jobs with long error texts would pass a client's 4 MiB receive limit, so a
/// listing would break for everyone. A cut page still carries a next_page_token; the client reads on.
/// </summary>
public static class ResponsePage
{
    // Tag and length prefix of a repeated message field entry, at most.
    private const int EntryOverhead = 6;

    /// <returns>the items to send (at least one, so a listing always moves on) and whether the budget cut the page</returns>
    public static (List<TMessage> Items, bool Cut) Fill<TMessage>(IEnumerable<TMessage> items, int budgetBytes)
        where TMessage : IMessage
    {
        ArgumentNullException.ThrowIfNull(items);
        var page = new List<TMessage>();
        var size = 0;
        foreach (var item in items)
        {
            var itemSize = item.CalculateSize() + EntryOverhead;
            if (page.Count > 0 && size + itemSize > budgetBytes)
            {
                return (page, true);
            }

            page.Add(item);
            size += itemSize;
        }

        return (page, false);
    }
}
