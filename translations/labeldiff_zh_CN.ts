<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>ld::AnnotationEditor</name>
    <message>
        <source>Accept proposal</source>
        <translation>接受候选</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>画笔</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>擦除</translation>
    </message>
    <message>
        <source>Polygon</source>
        <translation>多边形</translation>
    </message>
    <message>
        <source>Fill holes</source>
        <translation>填充孔洞</translation>
    </message>
    <message>
        <source>Remove specks</source>
        <translation>去除斑点</translation>
    </message>
    <message>
        <source>Subtract mask</source>
        <translation>减去掩码</translation>
    </message>
    <message>
        <source>Add mask</source>
        <translation>加上掩码</translation>
    </message>
    <message>
        <source>Change category</source>
        <translation>更改类别</translation>
    </message>
    <message>
        <source>Delete annotation</source>
        <translation>删除标注</translation>
    </message>
    <message>
        <source>Mark reviewed</source>
        <translation>标记为已审核</translation>
    </message>
</context>
<context>
    <name>ld::Autosave</name>
    <message>
        <source>Autosave failed: %1</source>
        <translation>自动保存失败：%1</translation>
    </message>
</context>
<context>
    <name>ld::BatchLabeler</name>
    <message numerus="yes">
        <source>Batch labelling cancelled after %n image(s)</source>
        <translation><numerusform>批量标注已在 %n 张图像后取消</numerusform></translation>
    </message>
    <message>
        <source>Batch labelling stopped: another project was opened</source>
        <translation>批量标注已停止：打开了另一个项目</translation>
    </message>
    <message>
        <source>Batch labelling is already running.</source>
        <translation>批量标注正在运行。</translation>
    </message>
    <message>
        <source>No model is loaded: choose a model directory in the sampler settings.</source>
        <translation>未加载模型：请在采样器设置中选择模型目录。</translation>
    </message>
    <message>
        <source>Add at least one category to label with.</source>
        <translation>请至少添加一个用于标注的类别。</translation>
    </message>
    <message>
        <source>There are no images to label with these options.</source>
        <translation>按这些选项没有需要标注的图像。</translation>
    </message>
    <message>
        <source>Labelling all images</source>
        <translation>正在标注全部图像</translation>
    </message>
    <message numerus="yes">
        <source>Labelled %n image(s)</source>
        <translation><numerusform>已标注 %n 张图像</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n failed: %1</source>
        <translation><numerusform>%n 张失败：%1</numerusform></translation>
    </message>
    <message>
        <source>%1: the model returned a %2×%3 mask for a %4×%5 image</source>
        <translation>%1：模型为 %4×%5 的图像返回了 %2×%3 的掩码</translation>
    </message>
    <message>
        <source>Label %1 by model</source>
        <translation>由模型标注 %1</translation>
    </message>
</context>
<context>
    <name>ld::HistogramView</name>
    <message>
        <source>Histogram of the soft mask; the line is the threshold τ. Click to set τ.</source>
        <translation>软掩码的直方图；竖线为阈值 τ。点击可设置 τ。</translation>
    </message>
</context>
<context>
    <name>ld::ImageBrowser</name>
    <message>
        <source>unlabelled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>labelled</source>
        <translation>已标注</translation>
    </message>
    <message>
        <source>reviewed</source>
        <translation>已审核</translation>
    </message>
    <message>
        <source>All images</source>
        <translation>全部图像</translation>
    </message>
    <message>
        <source>Unlabelled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <source>Labelled</source>
        <translation>已标注</translation>
    </message>
    <message>
        <source>Reviewed</source>
        <translation>已审核</translation>
    </message>
    <message>
        <source>Show only images with this status</source>
        <translation>只显示此状态的图像</translation>
    </message>
    <message numerus="yes">
        <source>%1
%2 · %n annotation(s)</source>
        <translation><numerusform>%1
%2 · %n 个标注</numerusform></translation>
    </message>
</context>
<context>
    <name>ld::InferenceWorker</name>
    <message>
        <source>No model is loaded: choose a model directory in the sampler settings.</source>
        <translation>未加载模型：请在采样器设置中选择模型目录。</translation>
    </message>
</context>
<context>
    <name>ld::MainWindow</name>
    <message>
        <source>Prompts</source>
        <translation>提示</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>采样器</translation>
    </message>
    <message>
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open &amp;Folder…</source>
        <translation>打开文件夹(&amp;F)…</translation>
    </message>
    <message>
        <source>Open a folder of images or a dataset</source>
        <translation>打开图像文件夹或数据集</translation>
    </message>
    <message>
        <source>Open &amp;Project or Dataset…</source>
        <translation>打开项目或数据集(&amp;P)…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+O</source>
        <translation>Ctrl+Shift+O</translation>
    </message>
    <message>
        <source>Open a project or a dataset</source>
        <translation>打开项目或数据集</translation>
    </message>
    <message>
        <source>Projects and datasets (*.labeldiff *.json);;All files (*)</source>
        <translation>项目和数据集 (*.labeldiff *.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>Save &amp;As…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <source>Save the project</source>
        <translation>保存项目</translation>
    </message>
    <message>
        <source>Projects (*.labeldiff)</source>
        <translation>项目 (*.labeldiff)</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>导入(&amp;I)…</translation>
    </message>
    <message>
        <source>Ctrl+I</source>
        <translation>Ctrl+I</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>导出(&amp;E)…</translation>
    </message>
    <message>
        <source>Ctrl+E</source>
        <translation>Ctrl+E</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>Ctrl+Y</source>
        <translation>Ctrl+Y</translation>
    </message>
    <message>
        <source>&amp;Accept Proposal</source>
        <translation>接受候选(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Reject Proposal</source>
        <translation>拒绝候选(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Select / Pan</source>
        <translation>选择 / 平移(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Brush</source>
        <translation>画笔(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Eraser</source>
        <translation>橡皮擦(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Polygon</source>
        <translation>多边形(&amp;P)</translation>
    </message>
    <message>
        <source>Bigger Brush</source>
        <translation>增大画笔</translation>
    </message>
    <message>
        <source>Smaller Brush</source>
        <translation>减小画笔</translation>
    </message>
    <message>
        <source>&amp;Fill Holes</source>
        <translation>填充孔洞(&amp;F)</translation>
    </message>
    <message>
        <source>Ctrl+H</source>
        <translation>Ctrl+H</translation>
    </message>
    <message>
        <source>Remove Spec&amp;ks</source>
        <translation>去除斑点(&amp;K)</translation>
    </message>
    <message>
        <source>Ctrl+K</source>
        <translation>Ctrl+K</translation>
    </message>
    <message>
        <source>&amp;Change Category to Current</source>
        <translation>改为当前类别(&amp;C)</translation>
    </message>
    <message>
        <source>Ctrl+G</source>
        <translation>Ctrl+G</translation>
    </message>
    <message>
        <source>&amp;Delete Annotation</source>
        <translation>删除标注(&amp;D)</translation>
    </message>
    <message>
        <source>Mark Image &amp;Reviewed</source>
        <translation>将图像标记为已审核(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Zoom to &amp;Fit</source>
        <translation>适应窗口(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Actual Size</source>
        <translation>实际大小(&amp;A)</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>Show &amp;Annotations</source>
        <translation>显示标注(&amp;A)</translation>
    </message>
    <message>
        <source>F&amp;ill Masks</source>
        <translation>填充掩码(&amp;I)</translation>
    </message>
    <message>
        <source>Shift+F</source>
        <translation>Shift+F</translation>
    </message>
    <message>
        <source>&amp;Outlines</source>
        <translation>轮廓(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Soft Mask Layer</source>
        <translation>软掩码图层(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Uncertainty Layer</source>
        <translation>不确定性图层(&amp;U)</translation>
    </message>
    <message>
        <source>More Opaque</source>
        <translation>更不透明</translation>
    </message>
    <message>
        <source>Shift+Up</source>
        <translation>Shift+Up</translation>
    </message>
    <message>
        <source>Less Opaque</source>
        <translation>更透明</translation>
    </message>
    <message>
        <source>Shift+Down</source>
        <translation>Shift+Down</translation>
    </message>
    <message>
        <source>&amp;Next Image</source>
        <translation>下一张图像(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Previous Image</source>
        <translation>上一张图像(&amp;P)</translation>
    </message>
    <message>
        <source>Play &amp;Trajectory</source>
        <translation>播放轨迹(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Label</source>
        <translation>标注(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Segment Phrase</source>
        <translation>分割短语(&amp;S)</translation>
    </message>
    <message>
        <source>Ctrl+Return</source>
        <translation>Ctrl+Return</translation>
    </message>
    <message>
        <source>Segment All &amp;Categories</source>
        <translation>分割全部类别(&amp;C)</translation>
    </message>
    <message>
        <source>Ctrl+Shift+Return</source>
        <translation>Ctrl+Shift+Return</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>取消(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;New Seed</source>
        <translation>新种子(&amp;N)</translation>
    </message>
    <message>
        <source>Ctrl+R</source>
        <translation>Ctrl+R</translation>
    </message>
    <message>
        <source>&amp;Label All Images…</source>
        <translation>标注全部图像(&amp;L)…</translation>
    </message>
    <message>
        <source>Ctrl+L</source>
        <translation>Ctrl+L</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Keyboard Shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About LabelDiff</source>
        <translation>关于 LabelDiff(&amp;A)</translation>
    </message>
    <message>
        <source>About LabelDiff</source>
        <translation>关于 LabelDiff</translation>
    </message>
    <message>
        <source>LabelDiff %1
Label images by text prompt with label diffusion.</source>
        <translation>LabelDiff %1
用标签扩散按文本提示标注图像。</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>工具</translation>
    </message>
    <message>
        <source>brush </source>
        <translation>画笔 </translation>
    </message>
    <message>
        <source> px</source>
        <translation> 像素</translation>
    </message>
    <message>
        <source>Exported %1</source>
        <translation>已导出 %1</translation>
    </message>
    <message>
        <source>model: %1</source>
        <translation>模型：%1</translation>
    </message>
    <message>
        <source>device: %1</source>
        <translation>设备：%1</translation>
    </message>
    <message>
        <source>%1 on %2</source>
        <translation>%1，运行于 %2</translation>
    </message>
    <message>
        <source>Model %1 loaded</source>
        <translation>模型 %1 已加载</translation>
    </message>
    <message>
        <source>Not loaded</source>
        <translation>未加载</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Segmentation cancelled</source>
        <translation>分割已取消</translation>
    </message>
    <message>
        <source>LabelDiff</source>
        <translation>LabelDiff</translation>
    </message>
    <message>
        <source>Opening %1…</source>
        <translation>正在打开 %1…</translation>
    </message>
    <message numerus="yes">
        <source>%n image(s)</source>
        <translation><numerusform>%n 张图像</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>, %n warning(s) while reading</source>
        <translation><numerusform>，读取时有 %n 条警告</numerusform></translation>
    </message>
    <message>
        <source>%1  %2 × %3</source>
        <translation>%1  %2 × %3</translation>
    </message>
    <message>
        <source> (model, not reviewed)</source>
        <translation>（模型生成，未审核）</translation>
    </message>
    <message>
        <source>Open an image to segment first.</source>
        <translation>请先打开要分割的图像。</translation>
    </message>
    <message>
        <source>The model is still loading.</source>
        <translation>模型仍在加载。</translation>
    </message>
    <message>
        <source>No model is loaded: choose a model directory in the sampler settings.</source>
        <translation>未加载模型：请在采样器设置中选择模型目录。</translation>
    </message>
    <message>
        <source>Segmenting “%1”</source>
        <translation>正在分割“%1”</translation>
    </message>
    <message>
        <source>last: %1 ms (%2 ms/step)</source>
        <translation>上次：%1 毫秒（每步 %2 毫秒）</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Accept proposal</source>
        <translation>接受候选</translation>
    </message>
    <message>
        <source>The project was not saved: %1</source>
        <translation>项目未保存：%1</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>Unknown export format “%1”</source>
        <translation>未知的导出格式“%1”</translation>
    </message>
    <message>
        <source>An export is already running.</source>
        <translation>导出正在进行。</translation>
    </message>
    <message>
        <source>Unknown import format “%1”</source>
        <translation>未知的导入格式“%1”</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>RLE (exact, keeps holes)</source>
        <translation>RLE（精确，保留孔洞）</translation>
    </message>
    <message>
        <source>Polygons</source>
        <translation>多边形</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>Masks as</source>
        <translation>掩码保存为</translation>
    </message>
    <message>
        <source>Export to</source>
        <translation>导出到</translation>
    </message>
    <message>
        <source>Import annotations</source>
        <translation>导入标注</translation>
    </message>
    <message>
        <source>Label all images</source>
        <translation>标注全部图像</translation>
    </message>
    <message>
        <source>Segment every category's prompt on each image with the current sampler settings.
Annotations made by people are never changed.</source>
        <translation>用当前采样器设置在每张图像上分割每个类别的提示。
人工所做的标注永远不会被更改。</translation>
    </message>
    <message>
        <source>Only images without annotations</source>
        <translation>仅限没有标注的图像</translation>
    </message>
    <message>
        <source>Keep existing model annotations</source>
        <translation>保留已有的模型标注</translation>
    </message>
    <message>
        <source>Restored the autosave of %1</source>
        <translation>已恢复 %1 的自动保存</translation>
    </message>
    <message>
        <source>The autosave could not be restored: %1</source>
        <translation>无法恢复自动保存：%1</translation>
    </message>
    <message>
        <source>Restore autosave?</source>
        <translation>恢复自动保存？</translation>
    </message>
    <message numerus="yes">
        <source>LabelDiff did not close cleanly. An autosave of %1 from %2 (%n annotation(s)) was found.
Restore it?</source>
        <translation><numerusform>LabelDiff 上次未正常关闭。找到了 %1 于 %2 的自动保存（%n 个标注）。
是否恢复？</numerusform></translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <source>The project has unsaved changes. Save them?</source>
        <translation>项目有未保存的更改。是否保存？</translation>
    </message>
    <message>
        <source>%1%2 — LabelDiff</source>
        <translation>%1%2 — LabelDiff</translation>
    </message>
    <message>
        <source>memory: %1 MB</source>
        <translation>内存：%1 MB</translation>
    </message>
    <message>
        <source>Choose a model directory first.</source>
        <translation>请先选择模型目录。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>loading model…</source>
        <translation>正在加载模型…</translation>
    </message>
</context>
<context>
    <name>ld::PhraseChips</name>
    <message>
        <source>Segment “%1”</source>
        <translation>分割“%1”</translation>
    </message>
</context>
<context>
    <name>ld::ProgressIndicator</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop the running task (Esc)</source>
        <translation>停止正在运行的任务 (Esc)</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>(cancelling…)</source>
        <translation>（正在取消…）</translation>
    </message>
</context>
<context>
    <name>ld::PromptPanel</name>
    <message>
        <source>Categories</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Double-click a category to segment its prompt</source>
        <translation>双击类别以分割其提示</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Add a category</source>
        <translation>添加类别</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Rename the selected category</source>
        <translation>重命名所选类别</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Change the selected category's colour</source>
        <translation>更改所选类别的颜色</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <source>Merge the selected category into another</source>
        <translation>将所选类别合并到另一个类别</translation>
    </message>
    <message>
        <source>Segment all categories</source>
        <translation>分割全部类别</translation>
    </message>
    <message>
        <source>Phrase</source>
        <translation>短语</translation>
    </message>
    <message>
        <source>e.g. the red umbrella</source>
        <translation>例如：红色的雨伞</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>分割</translation>
    </message>
    <message>
        <source>Segment the phrase (Ctrl+Return)</source>
        <translation>分割该短语 (Ctrl+Return)</translation>
    </message>
    <message>
        <source>Caption</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>A narrative caption: each noun phrase becomes a chip to segment</source>
        <translation>叙述性描述：每个名词短语都会成为一个可分割的标签</translation>
    </message>
    <message>
        <source>Segment all phrases</source>
        <translation>分割全部短语</translation>
    </message>
    <message>
        <source>Prompt: %1</source>
        <translation>提示：%1</translation>
    </message>
    <message>
        <source>Add category “%1”</source>
        <translation>添加类别“%1”</translation>
    </message>
    <message>
        <source>Rename category</source>
        <translation>重命名类别</translation>
    </message>
    <message>
        <source>Change category colour</source>
        <translation>更改类别颜色</translation>
    </message>
    <message>
        <source>Merge categories</source>
        <translation>合并类别</translation>
    </message>
    <message>
        <source>Add category</source>
        <translation>添加类别</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>名称：</translation>
    </message>
    <message>
        <source>Category colour</source>
        <translation>类别颜色</translation>
    </message>
    <message>
        <source>Merge category</source>
        <translation>合并类别</translation>
    </message>
    <message>
        <source>Merge “%1” into:</source>
        <translation>将“%1”合并到：</translation>
    </message>
</context>
<context>
    <name>ld::SamplerPanel</name>
    <message>
        <source>Model directory</source>
        <translation>模型目录</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Choose a model directory</source>
        <translation>选择模型目录</translation>
    </message>
    <message>
        <source>Load</source>
        <translation>加载</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>CUDA</source>
        <translation>CUDA</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>model default</source>
        <translation>模型默认</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>trailing</source>
        <translation>trailing（尾部）</translation>
    </message>
    <message>
        <source>leading</source>
        <translation>leading（前部）</translation>
    </message>
    <message>
        <source>linspace</source>
        <translation>linspace（均匀）</translation>
    </message>
    <message>
        <source>Spacing</source>
        <translation>时间步间隔</translation>
    </message>
    <message>
        <source>Guidance</source>
        <translation>引导强度</translation>
    </message>
    <message>
        <source>Ensemble</source>
        <translation>集成数</translation>
    </message>
    <message>
        <source>New seed</source>
        <translation>新种子</translation>
    </message>
    <message>
        <source>new each run</source>
        <translation>每次新种子</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Threshold τ on the mask probability; moving it re-thresholds without sampling again</source>
        <translation>掩码概率的阈值 τ；移动它会重新阈值化而无需重新采样</translation>
    </message>
    <message>
        <source>Threshold τ</source>
        <translation>阈值 τ</translation>
    </message>
</context>
<context>
    <name>ld::ShortcutsDialog</name>
    <message>
        <source>Keyboard Shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Menu</source>
        <translation>菜单</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Shortcut</source>
        <translation>快捷键</translation>
    </message>
</context>
<context>
    <name>ld::TrajectoryStrip</name>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Animate the denoising steps</source>
        <translation>动画播放去噪步骤</translation>
    </message>
    <message>
        <source>Scrub through the denoising steps</source>
        <translation>拖动浏览去噪步骤</translation>
    </message>
    <message>
        <source>No trajectory</source>
        <translation>无轨迹</translation>
    </message>
    <message>
        <source>step %1/%2  t=%3</source>
        <translation>第 %1/%2 步  t=%3</translation>
    </message>
    <message>
        <source>Step %1 of %2 (t = %3)</source>
        <translation>第 %1 步，共 %2 步 (t = %3)</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Ensemble members and their disagreement</source>
        <translation>集成成员及其分歧</translation>
    </message>
    <message>
        <source>seed +%1</source>
        <translation>种子 +%1</translation>
    </message>
    <message>
        <source>disagreement</source>
        <translation>分歧</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Label images by text prompt with label diffusion</source>
        <translation>用标签扩散按文本提示标注图像</translation>
    </message>
    <message>
        <source>A folder of images, a project or a dataset file</source>
        <translation>图像文件夹、项目或数据集文件</translation>
    </message>
    <message>
        <source>Model directory to load</source>
        <translation>要加载的模型目录</translation>
    </message>
    <message>
        <source>dir</source>
        <translation>目录</translation>
    </message>
</context>
</TS>