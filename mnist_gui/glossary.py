"""Help > Start here: a short tour of the panels, and the glossary shown as tooltips where its words appear."""

from __future__ import annotations

#: The words a first lesson needs, in plain language. Panels use ``tip(word)`` for their tooltips.
GLOSSARY = {
    "epoch": "One pass over every training image. After each epoch the network is measured on "
             "the validation images.",
    "batch": "The few images (for example 128) the network looks at before it changes its "
             "weights once. Smaller batches: more, noisier steps per epoch.",
    "validation": "Training images held back (1 in 12 by default) and never trained on: how "
                  "well the network does on them shows whether it generalises or memorises.",
    "softmax": "Turns the network's ten output numbers into ten probabilities that add up to "
               "100 %: the larger a number, the more likely that class.",
    "loss": "How wrong the network is: for cross-entropy, minus the log of the probability it "
            "gave the right class. 0 is perfect; 2.3 is a blind guess among 10 classes.",
    "learning rate": "How big a step each weight takes against its gradient. Too small: slow. "
                     "Too large: the loss jumps around or blows up (diverges).",
}

TOUR = (
    ("Data (Ctrl+1)", "Every image of the dataset. Click one to see its pixels: a digit is just "
     "one number per pixel (784 for MNIST's 28×28), from 0 (paper) to 255 (ink)."),
    ("Mean digits (Ctrl+2)", "The average image of each class, and the simplest classifier: call "
     "an image whatever average it is closest to (82 % right on MNIST): the score to beat."),
    ("Network and training (Ctrl+3)", "Build a network, or pick a <b>preset</b> (a ready-made "
     "network and its settings, such as the textbook one or LeNet), and press Start. Watch the loss "
     "fall and the accuracy rise, epoch after epoch; compare runs side by side. <b>Experiment…</b> "
     "runs a classic lesson in one click (deeper networks, learning rates, batch sizes, more "
     "training images), every run overlaid on the plots, with a results table."),
    ("Draw (Ctrl+4)", "Draw a digit with the mouse: it is prepared the way MNIST's digits were, "
     "and the network says what it reads, with its probabilities."),
    ("Evaluate (Ctrl+5)", "Where the network goes wrong (the confusion matrix and its worst "
     "mistakes) and what its first layer learned to look for."),
    ("Inside the network (Ctrl+6)", "One gradient step in slow motion (forward, the loss, backward, "
     "the update) with Next or a presenter's clicker, the gradients of every layer while it trains, "
     "the hidden space the network sorts the digits in, and which pixels made it decide."),
)


def tip(word: str) -> str:
    """The glossary entry for ``word`` as a tooltip: "<b>Epoch</b>: one pass over ..."."""
    return f"<b>{word.capitalize()}</b>: {GLOSSARY[word]}"


def start_here_html() -> str:
    steps = "".join(f"<li><b>{title}</b>: {text}</li>" for title, text in TOUR)
    words = "".join(f"<dt><b>{w.capitalize()}</b></dt><dd>{t}</dd>" for w, t in GLOSSARY.items())
    return ("<h2>Start here</h2><p>The app walks through how a neural network learns, one panel "
            f"at a time. A first lesson takes its {len(TOUR)} panels in order:</p>"
            f"<ol>{steps}</ol><h3>Words you will meet</h3><dl>{words}</dl>"
            "<p>These explanations also appear as tooltips where the words are used. "
            "View &gt; Presentation mode (F5) makes everything larger for a projector.</p>")
