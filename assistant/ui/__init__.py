"""The web chat UI (`assistant ui`): the Gradio app and the HTML it shows."""
